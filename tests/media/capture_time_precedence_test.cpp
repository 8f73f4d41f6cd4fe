// Issue 14: which capture time wins when an image carries several (README.md, "Where each value
// comes from"), the offsets each source brings, and the vendor readers behind the weaker ones.
#include <gtest/gtest.h>

#include "media/metadata_extractor.h"
#include "support/test_paths.h"
#include "synthetic_images.h"
#include "synthetic_vendor_files.h"

namespace imgsync::media {
namespace {

using imgsync::testing::ScratchDir;
using imgsync::testing::write_file;
namespace synth = imgsync::media::testing;

// One image with any of: EXIF DateTimeOriginal / CreateDate, XMP exif:DateTimeOriginal /
// photoshop:DateCreated / xmp:CreateDate, IPTC DateCreated + TimeCreated.
struct Sources {
  std::string exif_original = {}, exif_create = {}, xmp_original = {}, photoshop = {},
              xmp_create = {};
  std::string iptc_date = {}, iptc_time = {};
};

std::string jpeg_with(const Sources& s) {
  synth::ExifSpec spec;
  spec.ifd0 = {synth::ascii_entry(0x010f, "Test")};
  if (!s.exif_original.empty())
    spec.exif_ifd.push_back(synth::ascii_entry(0x9003, s.exif_original));
  if (!s.exif_create.empty()) spec.exif_ifd.push_back(synth::ascii_entry(0x9004, s.exif_create));
  std::string attributes;
  if (!s.xmp_original.empty()) attributes += "exif:DateTimeOriginal=\"" + s.xmp_original + "\" ";
  if (!s.photoshop.empty()) attributes += "photoshop:DateCreated=\"" + s.photoshop + "\" ";
  if (!s.xmp_create.empty()) attributes += "xmp:CreateDate=\"" + s.xmp_create + "\" ";
  std::optional<std::string> xmp;
  if (!attributes.empty()) xmp = synth::xmp_packet(attributes);
  std::string jpeg = synth::build_jpeg(synth::build_exif_tiff(spec), xmp);
  if (s.iptc_date.empty()) return jpeg;
  return synth::with_segments(jpeg, {{0xed, synth::iptc_app13_payload(s.iptc_date, s.iptc_time)}});
}

ImageMetadata embedded(const std::string& bytes) {
  auto metadata = extract_embedded_metadata(bytes);
  EXPECT_TRUE(metadata.ok()) << (metadata.ok() ? "" : metadata.error().message);
  return metadata.ok() ? *metadata : ImageMetadata{};
}

TEST(CaptureTimePrecedence, EachSourceLosesOnlyToTheStrongerOnes) {
  const Sources all{.exif_original = "2021:01:01 01:01:01",
                    .exif_create = "2025:05:05 05:05:05",
                    .xmp_original = "2022-02-02T02:02:02",
                    .photoshop = "2024-04-04T04:04:04",
                    .xmp_create = "2026-06-06T06:06:06",
                    .iptc_date = "20230303",
                    .iptc_time = "030303"};
  struct Step {
    CaptureTimeSource expected;
    std::string rfc3339;
    std::string Sources::*drop;  // removed before the next step
  };
  const Step steps[] = {
      {CaptureTimeSource::kExifDateTimeOriginal, "2021-01-01T01:01:01", &Sources::exif_original},
      {CaptureTimeSource::kXmpDateTimeOriginal, "2022-02-02T02:02:02", &Sources::xmp_original},
      {CaptureTimeSource::kIptcDateCreated, "2023-03-03T03:03:03", &Sources::iptc_date},
      {CaptureTimeSource::kXmpPhotoshopDateCreated, "2024-04-04T04:04:04", &Sources::photoshop},
      {CaptureTimeSource::kExifCreateDate, "2025-05-05T05:05:05", &Sources::exif_create},
      {CaptureTimeSource::kXmpCreateDate, "2026-06-06T06:06:06", &Sources::xmp_create},
  };
  Sources sources = all;
  for (const Step& step : steps) {
    const ImageMetadata metadata = embedded(jpeg_with(sources));
    ASSERT_TRUE(metadata.captured_at) << to_string(step.expected);
    EXPECT_EQ(metadata.captured_at->source, step.expected)
        << to_string(metadata.captured_at->source);
    EXPECT_EQ(metadata.captured_at->to_rfc3339(), step.rfc3339);
    sources.*step.drop = "";
  }
  EXPECT_FALSE(embedded(jpeg_with(sources)).captured_at);
}

TEST(CaptureTimePrecedence, IptcTimeCreatedBringsItsOffset) {
  const auto metadata = embedded(jpeg_with({.iptc_date = "20260503", .iptc_time = "142205+0200"}));
  ASSERT_TRUE(metadata.captured_at);
  EXPECT_EQ(metadata.captured_at->to_rfc3339(), "2026-05-03T14:22:05+02:00");
  EXPECT_EQ(metadata.captured_at->source, CaptureTimeSource::kIptcDateCreated);
  EXPECT_STREQ(to_string(metadata.captured_at->source), "iptc:DateCreated");

  // A DateCreated without TimeCreated is a day, not a capture time.
  EXPECT_FALSE(embedded(jpeg_with({.iptc_date = "20260503"})).captured_at);
}

TEST(CaptureTimePrecedence, AStrongerTimeWithoutOffsetTakesTheOffsetOfTheSameSecond) {
  const auto same = embedded(jpeg_with({.exif_original = "2026:05:03 14:22:05",
                                        .iptc_date = "20260503",
                                        .iptc_time = "142205-0430"}));
  ASSERT_TRUE(same.captured_at);
  EXPECT_EQ(same.captured_at->source, CaptureTimeSource::kExifDateTimeOriginal);
  EXPECT_EQ(same.captured_at->to_rfc3339(), "2026-05-03T14:22:05-04:30");

  const auto photoshop = embedded(
      jpeg_with({.exif_create = "2026:05:03 14:22:05", .photoshop = "2026-05-03T14:22:05+09:00"}));
  ASSERT_TRUE(photoshop.captured_at);
  EXPECT_EQ(photoshop.captured_at->source, CaptureTimeSource::kXmpPhotoshopDateCreated);
  EXPECT_EQ(photoshop.captured_at->to_rfc3339(), "2026-05-03T14:22:05+09:00");

  // Another second: no offset is borrowed, none invented.
  const auto other = embedded(jpeg_with({.exif_original = "2026:05:03 14:22:05",
                                         .iptc_date = "20260503",
                                         .iptc_time = "142206+0200"}));
  ASSERT_TRUE(other.captured_at);
  EXPECT_FALSE(other.captured_at->offset_known());
}

TEST(VendorReaders, FlirRecordsGiveTimeWithZoneAndPosition) {
  for (const bool big_endian : {true, false}) {
    // 2026-05-03 12:22:05 UTC, camera zone UTC+2 (120 minutes east = -120 west).
    const synth::FlirSpec spec{.utc_seconds = 1777810925,
                               .milliseconds = 250,
                               .minutes_west = -120,
                               .position = std::pair{47.3769, -8.5417},
                               .altitude = 408.5,
                               .big_endian = big_endian};
    const std::string fff = synth::build_flir_fff(spec);
    std::vector<std::pair<std::uint8_t, std::string>> segments;
    for (const auto& payload : synth::flir_app1_payloads(fff, 300)) {
      segments.emplace_back(0xe1, payload);
    }
    std::swap(segments.front(), segments.back());  // chunks are ordered by index, not position
    const auto metadata =
        embedded(synth::with_segments(synth::build_jpeg(std::nullopt, std::nullopt), segments));
    ASSERT_TRUE(metadata.captured_at) << big_endian;
    EXPECT_EQ(metadata.captured_at->to_rfc3339(), "2026-05-03T14:22:05.250+02:00");
    EXPECT_EQ(metadata.captured_at->source, CaptureTimeSource::kMakerNote);
    ASSERT_TRUE(metadata.gps);
    EXPECT_DOUBLE_EQ(metadata.gps->latitude, 47.3769);
    EXPECT_DOUBLE_EQ(metadata.gps->longitude, -8.5417);
    EXPECT_NEAR(*metadata.gps->altitude, 408.5, 1e-3);
    EXPECT_EQ(metadata.read_status, MetadataReadStatus::kComplete);
  }
}

TEST(VendorReaders, FlirWithoutValidGpsHasNoPosition) {
  const std::string fff = synth::build_flir_fff({.utc_seconds = 1777810925});
  std::vector<std::pair<std::uint8_t, std::string>> segments;
  for (const auto& payload : synth::flir_app1_payloads(fff, 60000))
    segments.emplace_back(0xe1, payload);
  const auto metadata =
      embedded(synth::with_segments(synth::build_jpeg(std::nullopt, std::nullopt), segments));
  EXPECT_FALSE(metadata.gps);
  ASSERT_TRUE(metadata.captured_at);
  EXPECT_EQ(metadata.captured_at->to_rfc3339(), "2026-05-03T12:22:05.000+00:00");
}

std::string exif_jpeg(const std::string& date, const std::string& make) {
  synth::ExifSpec spec;
  spec.ifd0 = {synth::ascii_entry(0x010f, make)};
  spec.exif_ifd = {synth::ascii_entry(0x9003, date)};
  spec.gps_ifd = std::vector<synth::TiffEntry>{
      synth::ascii_entry(0x0001, "N"), synth::dms_entry(0x0002, 46, 30, 0),
      synth::ascii_entry(0x0003, "E"), synth::dms_entry(0x0004, 7, 15, 0)};
  return synth::build_jpeg(synth::build_exif_tiff(spec), std::nullopt);
}

TEST(VendorReaders, X3fGivesThePreviewsExifElseItsPropertyTime) {
  const auto with_preview = embedded(synth::build_x3f(exif_jpeg("2016:08:09 10:11:12", "SIGMA"),
                                                      "1470000000", "SIGMA", "sd Quattro"));
  EXPECT_EQ(with_preview.mime, "image/x-sigma-x3f");
  ASSERT_TRUE(with_preview.captured_at);
  EXPECT_EQ(with_preview.captured_at->to_rfc3339(), "2016-08-09T10:11:12");
  EXPECT_EQ(with_preview.captured_at->source, CaptureTimeSource::kExifDateTimeOriginal);
  ASSERT_TRUE(with_preview.gps);
  EXPECT_DOUBLE_EQ(with_preview.gps->latitude, 46.5);
  EXPECT_EQ(with_preview.make, "SIGMA");
  EXPECT_EQ(with_preview.model, "sd Quattro");

  // Older cameras (SD9, SD10): no EXIF preview, the PROP section's TIME (local clock).
  const auto properties_only = embedded(synth::build_x3f("", "1100000000", "SIGMA", "SD10"));
  ASSERT_TRUE(properties_only.captured_at);
  EXPECT_EQ(properties_only.captured_at->to_rfc3339(), "2004-11-09T11:33:20");
  EXPECT_FALSE(properties_only.captured_at->offset_known());
  EXPECT_EQ(properties_only.model, "SD10");
}

TEST(VendorReaders, Cr3TiffStructuresAndMovieHeader) {
  synth::ExifSpec ifd0{
      .ifd0 = {synth::ascii_entry(0x010f, "Canon"), synth::ascii_entry(0x0110, "Canon EOS R5")}};
  synth::ExifSpec exif{.ifd0 = {synth::ascii_entry(0x9003, "2023:07:08 09:10:11"),
                                synth::ascii_entry(0x9011, "+01:00")}};
  synth::ExifSpec gps{.ifd0 = {synth::ascii_entry(0x0001, "S"), synth::dms_entry(0x0002, 33, 52, 0),
                               synth::ascii_entry(0x0003, "E"),
                               synth::dms_entry(0x0004, 151, 12, 0)}};
  const auto metadata =
      embedded(synth::build_cr3(synth::build_exif_tiff(ifd0), synth::build_exif_tiff(exif),
                                synth::build_exif_tiff(gps), 3771993600u));
  EXPECT_EQ(metadata.mime, "image/x-canon-cr3");
  ASSERT_TRUE(metadata.captured_at);
  EXPECT_EQ(metadata.captured_at->to_rfc3339(), "2023-07-08T09:10:11+01:00");
  EXPECT_EQ(metadata.captured_at->source, CaptureTimeSource::kExifDateTimeOriginal);
  EXPECT_EQ(metadata.model, "Canon EOS R5");
  ASSERT_TRUE(metadata.gps);
  EXPECT_NEAR(metadata.gps->latitude, -(33 + 52.0 / 60), 1e-9);

  // No EXIF time: the movie header's (seconds since 1904), offset unknown.
  const auto container =
      embedded(synth::build_cr3(synth::build_exif_tiff(ifd0), "", "", 3771993600u));
  ASSERT_TRUE(container.captured_at);
  EXPECT_EQ(container.captured_at->source, CaptureTimeSource::kContainer);
  EXPECT_EQ(container.captured_at->to_rfc3339(), "2023-07-12T08:00:00");
}

// Every prefix of each vendor file: no crash, no exception, a value or an error.
TEST(VendorReaders, CutOffFilesAreSafe) {
  synth::ExifSpec ifd0{.ifd0 = {synth::ascii_entry(0x010f, "Canon")}};
  const std::string fff =
      synth::build_flir_fff({.utc_seconds = 1777810925, .position = std::pair{1.0, 2.0}});
  std::vector<std::pair<std::uint8_t, std::string>> flir;
  for (const auto& payload : synth::flir_app1_payloads(fff, 500)) flir.emplace_back(0xe1, payload);
  const std::string files[] = {
      synth::with_segments(synth::build_jpeg(std::nullopt, std::nullopt), flir),
      synth::build_x3f(exif_jpeg("2016:08:09 10:11:12", "SIGMA"), "1470000000", "S", "M"),
      synth::build_cr3(synth::build_exif_tiff(ifd0), synth::build_exif_tiff(ifd0), "", 1),
      jpeg_with({.iptc_date = "20260503", .iptc_time = "142205+0200"}),
  };
  for (const std::string& file : files) {
    for (std::size_t length = 0; length <= file.size(); length += 7) {
      const auto metadata = extract_embedded_metadata(std::string_view(file).substr(0, length));
      if (!metadata.ok()) {
        EXPECT_FALSE(metadata.error().message.empty());
      }
    }
  }
}

}  // namespace
}  // namespace imgsync::media
