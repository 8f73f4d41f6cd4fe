// Issue 14: a block that cannot be read never discards the others, and the archivable read gives
// every readable file a result that says what failed (read_status, metadata_error).
#include <gtest/gtest.h>

#include "media/metadata_extractor.h"
#include "support/test_paths.h"
#include "synthetic_images.h"
#include "synthetic_vendor_files.h"
#include "util/hashing.h"

namespace imgsync::media {
namespace {

using imgsync::testing::ScratchDir;
using imgsync::testing::write_file;
namespace synth = imgsync::media::testing;

// EXIF with GPS, XMP with the time, then a segment whose length runs past the end of the file:
// Exiv2 0.27 refuses the whole file.
std::string jpeg_with_a_broken_tail() {
  synth::ExifSpec spec;
  spec.ifd0 = {synth::ascii_entry(0x010f, "Test")};
  spec.gps_ifd = std::vector<synth::TiffEntry>{
      synth::ascii_entry(0x0001, "N"), synth::dms_entry(0x0002, 47, 0, 0),
      synth::ascii_entry(0x0003, "E"), synth::dms_entry(0x0004, 8, 0, 0)};
  const std::string xmp = synth::xmp_packet("exif:DateTimeOriginal=\"2026-05-03T14:22:05+02:00\"");
  std::string jpeg{'\xff', '\xd8'};
  jpeg += synth::build_jpeg(synth::build_exif_tiff(spec), xmp).substr(2);
  const std::size_t scan = jpeg.find("\xff\xc0");
  return jpeg.substr(0, scan) + std::string("\xff\xe2\xff\xf0ICC_PROFILE\0", 16);
}

class PartialReadTest : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& name, const std::string& bytes) {
    const auto path = dir_.path() / name;
    write_file(path, bytes);
    return path;
  }
  ScratchDir dir_{"imgsync-partial"};
};

TEST_F(PartialReadTest, ExifAndXmpSurviveWhenExiv2RefusesTheFile) {
  const auto path = write("broken-tail.jpg", jpeg_with_a_broken_tail());
  const auto metadata = extract_metadata(path);
  ASSERT_TRUE(metadata.ok()) << metadata.error().message;
  EXPECT_EQ(metadata->read_status, MetadataReadStatus::kPartial);
  EXPECT_NE(metadata->metadata_error.find("Exiv2: "), std::string::npos)
      << metadata->metadata_error;
  ASSERT_TRUE(metadata->captured_at);
  EXPECT_EQ(metadata->captured_at->to_rfc3339(), "2026-05-03T14:22:05+02:00");
  EXPECT_EQ(metadata->captured_at->source, CaptureTimeSource::kXmpDateTimeOriginal);
  ASSERT_TRUE(metadata->gps);
  EXPECT_DOUBLE_EQ(metadata->gps->latitude, 47.0);
  EXPECT_EQ(metadata->make, "Test");
  // The archivable read gives the same.
  const auto archivable = extract_archivable_metadata(path);
  ASSERT_TRUE(archivable.ok());
  EXPECT_EQ(*archivable, *metadata);
}

// The iPhone HEIC whose ICC profile Exiv2 rejects: Exiv2 throws for the whole file, the
// EXIF item is still read. Here the profile's own length is made impossible.
TEST_F(PartialReadTest, AHeicWhoseIccProfileExiv2RejectsKeepsItsExif) {
  std::string heic = imgsync::testing::read_file(imgsync::testing::corpus_dir() /
                                                 "images/ianare-exif-samples/heic/IMG_5195.HEIC");
  const std::size_t colour = heic.find("colrprof");
  ASSERT_NE(colour, std::string::npos);
  heic.replace(colour + 8, 4, "\x7f\xff\xff\xff");  // the ICC header's profile size
  const auto metadata = extract_metadata(write("icc.heic", heic));
  ASSERT_TRUE(metadata.ok()) << metadata.error().message;
  EXPECT_EQ(metadata->read_status, MetadataReadStatus::kPartial);
  EXPECT_NE(metadata->metadata_error.find("Exiv2: "), std::string::npos);
  ASSERT_TRUE(metadata->captured_at);
  EXPECT_EQ(metadata->captured_at->to_rfc3339(), "2021-04-11T15:47:53.054-05:00");
  EXPECT_EQ(metadata->model, "iPhone 11 Pro Max");
  EXPECT_TRUE(metadata->gps);
}

TEST_F(PartialReadTest, UnknownFormatsGetTheBasicsAndTheReason) {
  const std::string text = "just some text, not an image\n";
  const auto path = write("notes.txt", text);
  const auto archivable = extract_archivable_metadata(path);
  ASSERT_TRUE(archivable.ok()) << archivable.error().message;
  EXPECT_EQ(archivable->read_status, MetadataReadStatus::kUnreadable);
  EXPECT_NE(archivable->metadata_error.find("not an image format imgsync recognises"),
            std::string::npos)
      << archivable->metadata_error;
  EXPECT_EQ(archivable->mime, "application/octet-stream");
  EXPECT_EQ(archivable->sha256, to_hex(sha256(text)));
  EXPECT_EQ(archivable->bytes, text.size());
  ASSERT_TRUE(archivable->captured_at);
  EXPECT_EQ(archivable->captured_at->source, CaptureTimeSource::kFileModificationTime);

  // By its extension when the content says nothing.
  const auto named = extract_archivable_metadata(write("damaged.cr3", "\x01\x02garbage"));
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->mime, "image/x-canon-cr3");
  EXPECT_EQ(named->read_status, MetadataReadStatus::kUnreadable);

  // The strict read refuses both, naming the file.
  const auto strict = extract_metadata(path);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().category, ErrorCategory::kInvalidInput);
  EXPECT_NE(strict.error().message.find("notes.txt"), std::string::npos);
}

TEST_F(PartialReadTest, AMissingFileIsStillAnError) {
  const auto missing = extract_archivable_metadata(dir_.path() / "missing.jpg");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().category, ErrorCategory::kLocalIo);
}

TEST_F(PartialReadTest, AMalformedSidecarIsSkippedAndNamedByTheArchivableRead) {
  const auto image = write("IMG_1.jpg", synth::build_jpeg(std::nullopt, std::nullopt));
  write("IMG_1.json", "{\"captured_at\": \"not a date\"}");
  const auto archivable = extract_archivable_metadata(image);
  ASSERT_TRUE(archivable.ok()) << archivable.error().message;
  EXPECT_EQ(archivable->read_status, MetadataReadStatus::kPartial);
  EXPECT_NE(archivable->metadata_error.find("sidecar: "), std::string::npos);
  EXPECT_NE(archivable->metadata_error.find("IMG_1.json"), std::string::npos)
      << archivable->metadata_error;
  ASSERT_TRUE(archivable->captured_at);
  EXPECT_EQ(archivable->captured_at->source, CaptureTimeSource::kFileModificationTime);

  const auto strict = extract_metadata(image);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().category, ErrorCategory::kInvalidInput);
}

TEST_F(PartialReadTest, ACompleteReadSaysSo) {
  const auto metadata = extract_archivable_metadata(write(
      "ok.jpg", synth::build_jpeg(std::nullopt,
                                  synth::xmp_packet("xmp:CreateDate=\"2020-01-02T03:04:05\""))));
  ASSERT_TRUE(metadata.ok());
  EXPECT_EQ(metadata->read_status, MetadataReadStatus::kComplete);
  EXPECT_TRUE(metadata->metadata_error.empty());
}

}  // namespace
}  // namespace imgsync::media
