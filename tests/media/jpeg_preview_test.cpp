// A camera JPEG's MPF preview (media/jpeg_preview.h) stands in for a large primary image when its
// thumbnail is made: files built here as cameras write them (an APP2 "MPF" index in the primary,
// the preview stored after the primary's end), the primary dark and the preview bright, so the
// thumbnail shows which one was decoded.
#include "media/jpeg_preview.h"

#include <gtest/gtest.h>
#include <vips/vips.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "media/jpeg_thumbnail.h"
#include "support/test_paths.h"

namespace imgsync::media {
namespace {

constexpr double kPrimaryGrey = 40;
constexpr double kPreviewGrey = 210;

// A JPEG of one grey level; `orientation` other than 1 is written into its EXIF.
std::string solid_jpeg_bytes(int width, int height, double grey, int orientation = 1) {
  VipsImage *black = nullptr, *lit = nullptr, *bytes = nullptr;
  EXPECT_EQ(vips_black(&black, width, height, "bands", 3, nullptr), 0);
  EXPECT_EQ(vips_linear1(black, &lit, 1.0, grey, nullptr), 0);
  EXPECT_EQ(vips_cast_uchar(lit, &bytes, nullptr), 0);
  if (orientation != 1) vips_image_set_int(bytes, VIPS_META_ORIENTATION, orientation);
  void* buffer = nullptr;
  std::size_t size = 0;
  EXPECT_EQ(vips_jpegsave_buffer(bytes, &buffer, &size, "Q", 85, nullptr), 0)
      << vips_error_buffer();
  std::string out(static_cast<const char*>(buffer), size);
  g_free(buffer);
  g_object_unref(bytes);
  g_object_unref(lit);
  g_object_unref(black);
  return out;
}

void put16(std::string& out, std::uint32_t value) {
  out += static_cast<char>(value & 0xFF);
  out += static_cast<char>(value >> 8 & 0xFF);
}
void put32(std::string& out, std::uint32_t value) {
  put16(out, value & 0xFFFF);
  put16(out, value >> 16);
}

// The primary with an MPF index (little-endian, as Nikon and Canon write it) naming itself and
// the preview stored after it; `shift` moves the preview's recorded offset (a damaged index).
std::string with_preview(const std::string& primary, const std::string& preview,
                         std::int64_t shift = 0) {
  constexpr std::uint32_t kIndexSize = 4 + 8 + 2 + 12 + 4 + 32;  // signature ... two MP entries
  const std::uint32_t total = static_cast<std::uint32_t>(primary.size()) + 4 + kIndexSize;
  const std::uint32_t tiff_at = 2 + 4 + 4;  // after SOI, the marker and length, "MPF\0"
  std::string segment("\xFF\xE2", 2);
  segment += static_cast<char>((kIndexSize + 2) >> 8);
  segment += static_cast<char>((kIndexSize + 2) & 0xFF);
  segment += std::string("MPF\0", 4);
  segment += "II*";
  segment += '\0';
  put32(segment, 8);  // the index IFD
  put16(segment, 1);  // one tag: the MP entries
  put16(segment, 0xB002);
  put16(segment, 7);  // UNDEFINED
  put32(segment, 32);
  put32(segment, 8 + 2 + 12 + 4);  // the entries, after the IFD
  put32(segment, 0);               // no next IFD
  put32(segment, 0x20030000);      // the primary: baseline, representative
  put32(segment, total);
  put32(segment, 0);
  put32(segment, 0);
  put32(segment, 0x00010002);  // a large thumbnail
  put32(segment, static_cast<std::uint32_t>(preview.size()));
  put32(segment, static_cast<std::uint32_t>(std::int64_t{total} - tiff_at + shift));
  put32(segment, 0);
  return primary.substr(0, 2) + segment + primary.substr(2) + preview;
}

struct Shown {
  int width = 0, height = 0;
  double grey = -1;
};

Shown thumbnail_shown(const std::filesystem::path& file) {
  auto made = jpeg_fast_thumbnail(file, ThumbnailOptions{});
  EXPECT_TRUE(made.has_value()) << file;
  if (!made) return {};
  VipsImage* image =
      vips_image_new_from_buffer(made->bytes.data(), made->bytes.size(), "", nullptr);
  EXPECT_NE(image, nullptr);
  if (image == nullptr) return {};
  Shown shown{made->width, made->height, 0};
  EXPECT_EQ(vips_avg(image, &shown.grey, nullptr), 0);
  g_object_unref(image);
  return shown;
}

class JpegPreviewTest : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& name, const std::string& bytes) {
    const auto path = dir_.path() / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  imgsync::testing::ScratchDir dir_;
};

TEST_F(JpegPreviewTest, ALargePrimarysPreviewIsDecodedInItsPlace) {
  const std::string primary = solid_jpeg_bytes(4000, 3000, kPrimaryGrey);
  const auto file =
      write("camera.jpg", with_preview(primary, solid_jpeg_bytes(1600, 1200, kPreviewGrey)));
  std::FILE* in = std::fopen(file.c_str(), "rb");
  ASSERT_NE(in, nullptr);
  auto layout = read_jpeg_layout(in);
  std::fclose(in);
  ASSERT_TRUE(layout.has_value());
  EXPECT_EQ(layout->width, 4000);
  EXPECT_EQ(layout->height, 3000);
  ASSERT_EQ(layout->previews.size(), 1u);
  EXPECT_EQ(layout->previews[0].offset, primary.size() + 66);  // after the primary and the index

  const Shown shown = thumbnail_shown(file);
  EXPECT_EQ(shown.width, 512);
  EXPECT_EQ(shown.height, 384);
  EXPECT_NEAR(shown.grey, kPreviewGrey, 8);
  // The same file without its index: the primary is decoded.
  const Shown plain = thumbnail_shown(write("plain.jpg", primary));
  EXPECT_EQ(plain.width, 512);
  EXPECT_NEAR(plain.grey, kPrimaryGrey, 8);
}

TEST_F(JpegPreviewTest, ThePrimarysOrientationTurnsThePreview) {
  const std::string primary = solid_jpeg_bytes(4000, 3000, kPrimaryGrey, 6);
  const auto file =
      write("turned.jpg", with_preview(primary, solid_jpeg_bytes(1600, 1200, kPreviewGrey)));
  const Shown shown = thumbnail_shown(file);
  EXPECT_EQ(shown.width, 384);
  EXPECT_EQ(shown.height, 512);
  EXPECT_NEAR(shown.grey, kPreviewGrey, 8);
}

TEST_F(JpegPreviewTest, APreviewThatCannotStandInIsPassedOver) {
  const std::string primary = solid_jpeg_bytes(4000, 3000, kPrimaryGrey);
  const std::string preview = solid_jpeg_bytes(1600, 1200, kPreviewGrey);
  const struct {
    const char* what;
    std::string bytes;
  } cases[] = {
      {"another frame (16:9)", with_preview(primary, solid_jpeg_bytes(1600, 900, kPreviewGrey))},
      {"smaller than the thumbnail",
       with_preview(primary, solid_jpeg_bytes(400, 300, kPreviewGrey))},
      {"an offset past the file", with_preview(primary, preview, 1 << 20)},
      {"an offset into the primary", with_preview(primary, preview, -1000)},
      {"a primary too small to need it",
       with_preview(solid_jpeg_bytes(1200, 900, kPrimaryGrey), preview)},
      {"the preview cut short",
       with_preview(primary, preview).substr(0, primary.size() + 64 + 200)},
  };
  int n = 0;
  for (const auto& one : cases) {
    const Shown shown = thumbnail_shown(write("case" + std::to_string(n++) + ".jpg", one.bytes));
    EXPECT_NEAR(shown.grey, kPrimaryGrey, 8) << one.what;
    EXPECT_EQ(shown.width, 512) << one.what;
  }
}

}  // namespace
}  // namespace imgsync::media
