#include "media/thumbnail.h"

#include <gtest/gtest.h>
#include <vips/vips.h>

#include <cmath>
#include <memory>

#include "media/jpeg_thumbnail.h"
#include "media/metadata_extractor.h"
#include "support/test_paths.h"

namespace imgsync::media {
namespace {

using imgsync::testing::corpus_dir;
using imgsync::testing::read_file;

std::filesystem::path orientation_example(const std::string& name) {
  return corpus_dir() / "images" / "exif-orientation-examples" / name;
}

struct Decoded {
  int width = 0, height = 0;
  bool has_exif = false, has_xmp = false;
  std::vector<double> grey;  // 16x16 mean grey levels, for comparing pictures
};

// Decodes JPEG or WebP bytes back with libvips: what a browser would see.
Decoded decode(const std::string& bytes) {
  VipsImage* image = vips_image_new_from_buffer(bytes.data(), bytes.size(), "", nullptr);
  EXPECT_NE(image, nullptr) << vips_error_buffer();
  Decoded decoded;
  if (image == nullptr) return decoded;
  decoded.width = vips_image_get_width(image);
  decoded.height = vips_image_get_height(image);
  decoded.has_exif = vips_image_get_typeof(image, VIPS_META_EXIF_NAME) != 0;
  decoded.has_xmp = vips_image_get_typeof(image, VIPS_META_XMP_NAME) != 0;
  VipsImage *grey = nullptr, *small = nullptr;
  EXPECT_EQ(vips_colourspace(image, &grey, VIPS_INTERPRETATION_B_W, nullptr), 0);
  EXPECT_EQ(
      vips_resize(grey, &small, 16.0 / decoded.width, "vscale", 16.0 / decoded.height, nullptr), 0);
  std::size_t size = 0;
  auto* pixels = static_cast<unsigned char*>(vips_image_write_to_memory(small, &size));
  for (std::size_t i = 0; i < size; i += vips_image_get_bands(small)) {
    decoded.grey.push_back(pixels[i]);
  }
  g_free(pixels);
  g_object_unref(small);
  g_object_unref(grey);
  g_object_unref(image);
  return decoded;
}

double mean_difference(const Decoded& a, const Decoded& b) {
  EXPECT_EQ(a.grey.size(), b.grey.size());
  double total = 0;
  for (std::size_t i = 0; i < a.grey.size() && i < b.grey.size(); ++i) {
    total += std::abs(a.grey[i] - b.grey[i]);
  }
  return a.grey.empty() ? 1e9 : total / static_cast<double>(a.grey.size());
}

Thumbnail thumbnail_of(const std::filesystem::path& file, ThumbnailOptions options = {}) {
  auto metadata = extract_metadata(file);
  EXPECT_TRUE(metadata.ok()) << file;
  auto thumbnail = make_thumbnail(file, metadata.ok() ? metadata->mime : "image/jpeg",
                                  metadata.ok() ? metadata->orientation : 1, options);
  EXPECT_TRUE(thumbnail.ok()) << file << ": " << (thumbnail.ok() ? "" : thumbnail.error().message);
  return thumbnail.ok() ? *thumbnail : Thumbnail{};
}

TEST(Thumbnail, EveryExifOrientationEndsUpright) {
  IMGSYNC_REQUIRE_CORPUS();
  // The eight files show the same picture stored in the eight orientations; upright, they must
  // all look like the one stored upright (orientation 1).
  for (const std::string shape : {"Landscape", "Portrait"}) {
    const Decoded upright = decode(thumbnail_of(orientation_example(shape + "_1.jpg")).bytes);
    ASSERT_GT(upright.width, 0);
    EXPECT_EQ(std::max(upright.width, upright.height), 512);
    EXPECT_EQ(upright.width > upright.height, shape == "Landscape");
    for (int orientation = 2; orientation <= 8; ++orientation) {
      const std::string name = shape + "_" + std::to_string(orientation) + ".jpg";
      const Decoded turned = decode(thumbnail_of(orientation_example(name)).bytes);
      EXPECT_EQ(turned.width, upright.width) << name;
      EXPECT_EQ(turned.height, upright.height) << name;
      EXPECT_LT(mean_difference(turned, upright), 12.0) << name;
    }
  }
}

TEST(Thumbnail, WrongOrientationWouldBeNoticed) {
  IMGSYNC_REQUIRE_CORPUS();
  // The comparison above can fail: a mirrored picture differs clearly from the upright one.
  auto mirrored = make_thumbnail(orientation_example("Landscape_1.jpg"), "image/jpeg", 1);
  ASSERT_TRUE(mirrored.ok());
  auto source = read_file(orientation_example("Landscape_1.jpg"));
  auto flipped = make_thumbnail_from_buffer(source, 2);  // mirror it on purpose
  ASSERT_TRUE(flipped.ok()) << flipped.error().message;
  EXPECT_GT(mean_difference(decode(mirrored->bytes), decode(flipped->bytes)), 20.0);
}

TEST(Thumbnail, CarriesNoMetadataEvenWhenTheOriginalHasGps) {
  IMGSYNC_REQUIRE_CORPUS();
  const auto file = corpus_dir() / "images" / "ianare-exif-samples" / "heic" / "IMG_5195.HEIC";
  auto metadata = extract_metadata(file);
  ASSERT_TRUE(metadata.ok());
  ASSERT_TRUE(metadata->gps.has_value()) << "the test needs an original with a position";
  // The catalog's JPEG and the gallery's WebP alike.
  for (const ThumbnailFormat format : {ThumbnailFormat::kJpeg, ThumbnailFormat::kWebp}) {
    ThumbnailOptions options;
    options.format = format;
    const Thumbnail thumbnail = thumbnail_of(file, options);
    ASSERT_FALSE(thumbnail.bytes.empty());
    if (format == ThumbnailFormat::kJpeg) {
      EXPECT_EQ(thumbnail.bytes.substr(0, 2), "\xFF\xD8");
    } else {
      EXPECT_EQ(thumbnail.bytes.substr(0, 4), "RIFF");
      EXPECT_EQ(thumbnail.bytes.substr(8, 4), "WEBP");
    }
    const Decoded decoded = decode(thumbnail.bytes);
    EXPECT_FALSE(decoded.has_exif);
    EXPECT_FALSE(decoded.has_xmp);
    EXPECT_EQ(thumbnail.bytes.find("Exif"), std::string::npos);
    // Portrait iPhone picture: upright means taller than wide.
    EXPECT_EQ(decoded.height, 512);
    EXPECT_LT(decoded.width, decoded.height);
  }
}

TEST(Thumbnail, JpegFastPathShowsWhatLibvipsShowsForEveryCorpusJpeg) {
  IMGSYNC_REQUIRE_CORPUS();
  // libjpeg alone (DCT scaling, area reduction, our orientation) against libvips' thumbnail of
  // the same file: same size, same picture, no metadata; files it does not take (a profile,
  // CMYK, damage libjpeg stops on) go to libvips and are not compared.
  int compared = 0, oriented = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(corpus_dir() / "images")) {
    const auto& file = entry.path();
    auto extension = file.extension().string();
    for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!entry.is_regular_file() || (extension != ".jpg" && extension != ".jpeg")) continue;
    const auto fast = jpeg_fast_thumbnail(file, ThumbnailOptions{});
    if (!fast) continue;
    ThumbnailOptions plain;
    plain.jpeg_fast_path = false;
    auto vips = make_thumbnail(file, "image/jpeg", 1, plain);
    if (!vips.ok()) continue;  // libvips refuses what libjpeg read past: nothing to compare
    ++compared;
    const Decoded a = decode(fast->bytes), b = decode(vips->bytes);
    EXPECT_EQ(fast->width, vips->width) << file;
    EXPECT_EQ(fast->height, vips->height) << file;
    EXPECT_EQ(a.width, fast->width) << file;
    EXPECT_LT(mean_difference(a, b), 4.0) << file;
    EXPECT_FALSE(a.has_exif) << file;
    EXPECT_EQ(fast->bytes.find("Exif"), std::string::npos) << file;
    auto metadata = extract_metadata(file);
    if (metadata.ok() && metadata->orientation > 1) ++oriented;
  }
  EXPECT_GT(compared, 40);  // the corpus has about a hundred JPEGs
  EXPECT_GE(oriented, 14);  // among them the seven turned landscapes and portraits
}

TEST(Thumbnail, JpegFastPathWouldNoticeADifferentPicture) {
  IMGSYNC_REQUIRE_CORPUS();
  // The comparison above can fail: another picture of the same size differs clearly.
  const auto one = jpeg_fast_thumbnail(orientation_example("Landscape_1.jpg"), {});
  const auto other = jpeg_fast_thumbnail(orientation_example("Portrait_1.jpg"), {});
  ASSERT_TRUE(one && other);
  ThumbnailOptions plain;
  plain.jpeg_fast_path = false;
  auto mirrored =
      make_thumbnail_from_buffer(read_file(orientation_example("Landscape_1.jpg")), 2, plain);
  ASSERT_TRUE(mirrored.ok());
  EXPECT_GT(mean_difference(decode(one->bytes), decode(mirrored->bytes)), 20.0);
  EXPECT_NE(one->width, other->width);
}

TEST(Thumbnail, LongEdgeIsConfigurableAndNeverEnlarged) {
  IMGSYNC_REQUIRE_CORPUS();
  ThumbnailOptions options;
  options.long_edge = 100;
  const Decoded small = decode(thumbnail_of(orientation_example("Portrait_1.jpg"), options).bytes);
  EXPECT_EQ(small.height, 100);
  options.long_edge = 100000;
  auto original = extract_metadata(orientation_example("Portrait_1.jpg"));
  ASSERT_TRUE(original.ok() && original->width && original->height);
  const Decoded same = decode(thumbnail_of(orientation_example("Portrait_1.jpg"), options).bytes);
  EXPECT_EQ(same.width, *original->width);
  EXPECT_EQ(same.height, *original->height);
}

TEST(Thumbnail, SameFileSameBytes) {
  IMGSYNC_REQUIRE_CORPUS();
  // Deterministic: a re-run regenerates exactly the object the bucket already holds.
  EXPECT_EQ(thumbnail_of(orientation_example("Landscape_3.jpg")).bytes,
            thumbnail_of(orientation_example("Landscape_3.jpg")).bytes);
}

TEST(Thumbnail, RawFileUsesItsEmbeddedPreview) {
  IMGSYNC_REQUIRE_CORPUS();
  const auto file = corpus_dir() / "images" / "exiv2-test-data" / "Canon-R6-pruned.CR3";
  auto metadata = extract_metadata(file);
  ASSERT_TRUE(metadata.ok());
  auto thumbnail = make_thumbnail(file, metadata->mime, metadata->orientation);
  ASSERT_TRUE(thumbnail.ok()) << thumbnail.error().message;
  EXPECT_GT(thumbnail->width, 0);
  EXPECT_LE(std::max(thumbnail->width, thumbnail->height), 512);
}

TEST(Thumbnail, DamagedOrForeignFilesAreRefusedWithTheReason) {
  imgsync::testing::ScratchDir dir;
  const auto broken = dir.path() / "broken.jpg";
  imgsync::testing::write_file(broken, std::string("\xff\xd8\xff\xe0 not really a jpeg", 22));
  auto damaged = make_thumbnail(broken, "image/jpeg", 1);
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.error().category, ErrorCategory::kInvalidInput);
  EXPECT_NE(damaged.error().message.find("broken.jpg"), std::string::npos);
  auto video = make_thumbnail(broken, "video/mp4", 1);
  ASSERT_FALSE(video.ok());
  EXPECT_NE(video.error().message.find("not an image type"), std::string::npos);
}

}  // namespace
}  // namespace imgsync::media
