#include "media/metadata_extractor.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "media/exiv2_runtime.h"
#include "support/test_paths.h"
#include "synthetic_images.h"
#include "util/hashing.h"

namespace imgsync::media {
namespace {

using imgsync::testing::corpus_dir;
using imgsync::testing::ScratchDir;
using imgsync::testing::write_file;
namespace synth = imgsync::media::testing;

std::filesystem::path corpus_image(const std::string& relative) {
  return corpus_dir() / "images" / relative;
}

// Writes `bytes` as `name` in a scratch directory and extracts it.
class MetadataExtractorTest : public ::testing::Test {
 protected:
  Result<ImageMetadata> extract_bytes(const std::string& bytes, const std::string& name = "x.jpg") {
    const auto path = dir_.path() / name;
    write_file(path, bytes);
    return extract_metadata(path);
  }

  ImageMetadata extract_ok(const std::string& bytes, const std::string& name = "x.jpg") {
    auto metadata = extract_bytes(bytes, name);
    EXPECT_TRUE(metadata.ok()) << (metadata.ok() ? "" : metadata.error().message);
    return metadata.ok() ? std::move(*metadata) : ImageMetadata{};
  }

  ScratchDir dir_{"imgsync-extractor"};
};

std::vector<synth::TiffEntry> gps_at(std::uint32_t lat_degrees, const char* lat_ref,
                                     std::uint32_t lon_degrees, const char* lon_ref) {
  return {synth::ascii_entry(0x0001, lat_ref), synth::dms_entry(0x0002, lat_degrees, 0, 0),
          synth::ascii_entry(0x0003, lon_ref), synth::dms_entry(0x0004, lon_degrees, 0, 0)};
}

std::string jpeg_with_gps(std::optional<std::vector<synth::TiffEntry>> gps) {
  synth::ExifSpec spec;
  spec.ifd0 = {synth::ascii_entry(0x010f, "Test")};
  spec.gps_ifd = std::move(gps);
  return synth::build_jpeg(synth::build_exif_tiff(spec), std::nullopt);
}

std::string jpeg_with_dates(const std::string& original, const std::string& digitized) {
  synth::ExifSpec spec;
  spec.ifd0 = {synth::ascii_entry(0x010f, "Test")};
  spec.exif_ifd = {synth::ascii_entry(0x9003, original)};
  if (!digitized.empty()) spec.exif_ifd.push_back(synth::ascii_entry(0x9004, digitized));
  return synth::build_jpeg(synth::build_exif_tiff(spec), std::nullopt);
}

TEST_F(MetadataExtractorTest, GpsExactlyZeroZeroIsAPosition) {
  const ImageMetadata metadata = extract_ok(jpeg_with_gps(gps_at(0, "N", 0, "E")));
  ASSERT_TRUE(metadata.gps);
  EXPECT_EQ(metadata.gps->latitude, 0.0);
  EXPECT_EQ(metadata.gps->longitude, 0.0);
}

TEST_F(MetadataExtractorTest, EmptyOrPartialGpsIfdIsNoPosition) {
  EXPECT_FALSE(extract_ok(jpeg_with_gps(std::vector<synth::TiffEntry>{})).gps);
  EXPECT_FALSE(
      extract_ok(jpeg_with_gps(std::vector<synth::TiffEntry>{synth::byte_entry(0x0000, 2)}))
          .gps);  // GPSVersionID only
  auto latitude_only = gps_at(47, "N", 8, "E");
  latitude_only.resize(2);
  EXPECT_FALSE(extract_ok(jpeg_with_gps(latitude_only)).gps);
  auto no_refs = gps_at(47, "N", 8, "E");
  no_refs.erase(no_refs.begin());  // hemisphere of the latitude unknown
  EXPECT_FALSE(extract_ok(jpeg_with_gps(no_refs)).gps);
  auto zero_denominator = gps_at(47, "N", 8, "E");
  zero_denominator[1] = synth::rational_entry(0x0002, {{47, 0}, {0, 1}, {0, 1}});
  EXPECT_FALSE(extract_ok(jpeg_with_gps(zero_denominator)).gps);
}

TEST_F(MetadataExtractorTest, SouthWestAndBelowSeaLevelAreNegative) {
  auto gps = gps_at(33, "S", 70, "W");
  gps[1] = synth::dms_entry(0x0002, 33, 26, 4200);  // 33°26'42"
  gps.push_back(synth::byte_entry(0x0005, 1));
  gps.push_back(synth::rational_entry(0x0006, {{4081, 10}}));
  gps.push_back(synth::ascii_entry(0x001d, "2024:02:29"));
  gps.push_back(synth::rational_entry(0x0007, {{23, 1}, {59, 1}, {5950, 100}}));
  gps.push_back(synth::rational_entry(0x0011, {{2705, 10}}));
  const ImageMetadata metadata = extract_ok(jpeg_with_gps(gps));
  ASSERT_TRUE(metadata.gps);
  EXPECT_NEAR(metadata.gps->latitude, -(33 + 26 / 60.0 + 42 / 3600.0), 1e-12);
  EXPECT_EQ(metadata.gps->longitude, -70.0);
  EXPECT_EQ(metadata.gps->altitude, -408.1);
  EXPECT_EQ(metadata.gps_timestamp, "2024-02-29T23:59:59.500Z");
  EXPECT_EQ(metadata.image_direction, 270.5);
}

TEST_F(MetadataExtractorTest, BlankOrZeroDateTimeOriginalIsAbsent) {
  const ImageMetadata blank = extract_ok(jpeg_with_dates("    :  :     :  :  ", ""));
  ASSERT_TRUE(blank.captured_at);
  EXPECT_EQ(blank.captured_at->source, CaptureTimeSource::kFileModificationTime);

  const ImageMetadata zero =
      extract_ok(jpeg_with_dates("0000:00:00 00:00:00", "2019:03:04 05:06:07"));
  ASSERT_TRUE(zero.captured_at);
  EXPECT_EQ(zero.captured_at->source, CaptureTimeSource::kExifCreateDate);
  EXPECT_EQ(zero.captured_at->to_rfc3339(), "2019-03-04T05:06:07");

  const ImageMetadata impossible = extract_ok(jpeg_with_dates("2019:02:30 05:06:07", ""));
  EXPECT_EQ(impossible.captured_at->source, CaptureTimeSource::kFileModificationTime);
}

TEST_F(MetadataExtractorTest, OffsetAndSubsecondsFromExif) {
  synth::ExifSpec spec;
  spec.exif_ifd = {synth::ascii_entry(0x9003, "2021:04:11 15:47:53"),
                   synth::ascii_entry(0x9011, "-05:00"), synth::ascii_entry(0x9291, "054")};
  const ImageMetadata metadata =
      extract_ok(synth::build_jpeg(synth::build_exif_tiff(spec), std::nullopt));
  ASSERT_TRUE(metadata.captured_at);
  EXPECT_EQ(metadata.captured_at->to_rfc3339(), "2021-04-11T15:47:53.054-05:00");
  EXPECT_TRUE(metadata.captured_at->offset_known());
}

TEST_F(MetadataExtractorTest, WithoutOffsetTheTimeStaysLocal) {
  const ImageMetadata metadata = extract_ok(jpeg_with_dates("2021:04:11 15:47:53", ""));
  EXPECT_EQ(metadata.captured_at->to_rfc3339(), "2021-04-11T15:47:53");
  EXPECT_FALSE(metadata.captured_at->offset_known());
  EXPECT_FALSE(metadata.captured_at->utc());
}

TEST_F(MetadataExtractorTest, XmpOffsetCompletesTheSameExifMoment) {
  synth::ExifSpec spec;
  spec.exif_ifd = {synth::ascii_entry(0x9003, "2008:03:15 09:52:01")};
  const ImageMetadata metadata = extract_ok(
      synth::build_jpeg(synth::build_exif_tiff(spec),
                        synth::xmp_packet("exif:DateTimeOriginal=\"2008-03-15T09:52:01-04:00\"")));
  EXPECT_EQ(metadata.captured_at->source, CaptureTimeSource::kExifDateTimeOriginal);
  EXPECT_EQ(metadata.captured_at->to_rfc3339(), "2008-03-15T09:52:01-04:00");

  // A different moment in XMP lends no offset.
  synth::ExifSpec other;
  other.exif_ifd = {synth::ascii_entry(0x9003, "2008:05:04 16:47:24")};
  const ImageMetadata unrelated = extract_ok(
      synth::build_jpeg(synth::build_exif_tiff(other),
                        synth::xmp_packet("xmp:CreateDate=\"2008-05-10T20:55:15+09:00\"")));
  EXPECT_EQ(unrelated.captured_at->to_rfc3339(), "2008-05-04T16:47:24");
}

TEST_F(MetadataExtractorTest, DateTimeOriginalOnlyInXmp) {
  IMGSYNC_REQUIRE_CORPUS();
  const ImageMetadata metadata = extract_ok(synth::build_jpeg(
      std::nullopt, synth::xmp_packet("exif:DateTimeOriginal=\"2013-07-05T03:18:27Z\"")));
  ASSERT_TRUE(metadata.captured_at);
  EXPECT_EQ(metadata.captured_at->source, CaptureTimeSource::kXmpDateTimeOriginal);
  EXPECT_EQ(metadata.captured_at->to_rfc3339(), "2013-07-05T03:18:27+00:00");

  // The corpus file with the same situation: its EXIF IFD pointer is broken.
  const auto corpus =
      extract_metadata(corpus_image("ianare-exif-samples/jpg/tests/30-type_error.jpg"));
  ASSERT_TRUE(corpus.ok()) << corpus.error().message;
  EXPECT_EQ(corpus->captured_at->source, CaptureTimeSource::kXmpDateTimeOriginal);
  EXPECT_EQ(corpus->captured_at->to_rfc3339(), "2013-07-05T03:18:27+00:00");
}

TEST_F(MetadataExtractorTest, NoTimeAnywhereFallsBackToModificationTime) {
  const auto path = dir_.path() / "untimed.jpg";
  write_file(path, synth::build_jpeg(std::nullopt, std::nullopt));
  const std::chrono::sys_seconds when = std::chrono::sys_days{std::chrono::year{2022} / 7 / 14} +
                                        std::chrono::hours{9} + std::chrono::minutes{30};
  std::filesystem::last_write_time(path, std::chrono::file_clock::from_sys(when));
  const auto metadata = extract_metadata(path);
  ASSERT_TRUE(metadata.ok()) << metadata.error().message;
  ASSERT_TRUE(metadata->captured_at);
  EXPECT_EQ(metadata->captured_at->source, CaptureTimeSource::kFileModificationTime);
  ASSERT_TRUE(metadata->captured_at->offset_known());  // the system's zone
  EXPECT_EQ(metadata->captured_at->utc(), when);
}

TEST_F(MetadataExtractorTest, CameraOrientationSizeKeywordsAndDrone) {
  synth::ExifSpec spec;
  spec.ifd0 = {synth::ascii_entry(0x010f, "DJI  "), synth::ascii_entry(0x0110, "FC3411"),
               synth::short_entry(0x0112, 6)};
  spec.exif_ifd = {synth::ascii_entry(0xa434, "24.0 mm f/2.8"),
                   synth::ascii_entry(0xa431, "0K1ABC")};
  const ImageMetadata metadata = extract_ok(synth::build_jpeg(
      synth::build_exif_tiff(spec),
      synth::xmp_packet("drone-dji:RelativeAltitude=\"+49.80\" drone-dji:GimbalYawDegree=\"-12.5\"",
                        "<dc:subject><rdf:Bag><rdf:li>Z\xc3\xbcrich</rdf:li>"
                        "<rdf:li>roof</rdf:li></rdf:Bag></dc:subject>"),
      640, 480));
  EXPECT_EQ(metadata.make, "DJI");
  EXPECT_EQ(metadata.model, "FC3411");
  EXPECT_EQ(metadata.lens, "24.0 mm f/2.8");
  EXPECT_EQ(metadata.serial, "0K1ABC");
  EXPECT_EQ(metadata.orientation, 6);
  EXPECT_EQ(metadata.width, 640);  // as stored: orientation is not applied
  EXPECT_EQ(metadata.height, 480);
  EXPECT_EQ(metadata.tags, (std::vector<std::string>{"Z\xc3\xbcrich", "roof"}));
  ASSERT_TRUE(metadata.drone);
  EXPECT_EQ(metadata.drone->relative_altitude, 49.8);
  EXPECT_EQ(metadata.drone->gimbal_yaw, -12.5);
  EXPECT_FALSE(metadata.drone->gimbal_pitch);
}

TEST_F(MetadataExtractorTest, MimeComesFromContentNotName) {
  const ImageMetadata metadata = extract_ok(synth::build_jpeg(std::nullopt, std::nullopt), "a.png");
  EXPECT_EQ(metadata.mime, "image/jpeg");
}

TEST_F(MetadataExtractorTest, HashAndSize) {
  const std::string bytes = synth::build_jpeg(std::nullopt, std::nullopt);
  const ImageMetadata metadata = extract_ok(bytes);
  EXPECT_EQ(metadata.sha256, sha256_hex(bytes));
  EXPECT_EQ(metadata.bytes, bytes.size());
}

TEST_F(MetadataExtractorTest, NonAsciiFileNames) {
  IMGSYNC_REQUIRE_CORPUS();
  const std::string name = "Z\xc3\xbcrich \xe5\x8c\x97\xe4\xba\xac \xf0\x9f\x93\xb7.jpg";
  const ImageMetadata metadata = extract_ok(jpeg_with_dates("2020:02:02 02:02:02", ""), name);
  EXPECT_EQ(std::filesystem::path(metadata.path).filename().string(), name);
  EXPECT_EQ(metadata.captured_at->source, CaptureTimeSource::kExifDateTimeOriginal);
  write_file(dir_.path() / ("Z\xc3\xbcrich \xe5\x8c\x97\xe4\xba\xac \xf0\x9f\x93\xb7.json"),
             R"({"tags": ["sidecar found"]})");
  EXPECT_EQ(extract_ok(jpeg_with_dates("2020:02:02 02:02:02", ""), name).tags,
            std::vector<std::string>{"sidecar found"});

  const auto corpus =
      extract_metadata(corpus_image("ianare-exif-samples/tiff/Cr\xc3\xa9mieux11.tiff"));
  ASSERT_TRUE(corpus.ok()) << corpus.error().message;
  EXPECT_EQ(corpus->mime, "image/tiff");
}

TEST(MetadataExtractor, HeicFromAnIphone) {
  IMGSYNC_REQUIRE_CORPUS();
  const auto metadata = extract_metadata(corpus_image("ianare-exif-samples/heic/IMG_5195.HEIC"));
  ASSERT_TRUE(metadata.ok()) << metadata.error().message;
  EXPECT_EQ(metadata->mime, "image/heic");
  EXPECT_EQ(metadata->captured_at->to_rfc3339(), "2021-04-11T15:47:53.054-05:00");
  EXPECT_EQ(metadata->captured_at->source, CaptureTimeSource::kExifDateTimeOriginal);
  ASSERT_TRUE(metadata->gps);
  EXPECT_NEAR(metadata->gps->latitude, 39.0513444444444, 1e-9);
  EXPECT_NEAR(metadata->gps->longitude, -94.2887722222222, 1e-9);
  EXPECT_NEAR(*metadata->gps->altitude, 260.5606383, 1e-6);
  EXPECT_EQ(metadata->make, "Apple");
  EXPECT_EQ(metadata->model, "iPhone 11 Pro Max");
  EXPECT_EQ(metadata->lens, "iPhone 11 Pro Max back triple camera 4.25mm f/1.8");
}

// Exiv2 0.27 takes a HEIF's size from EXIF PixelXDimension; the primary item's 'ispe' box is the
// stored size, and exiftool agrees with it.
TEST(MetadataExtractor, HeifSizeIsThePrimaryItemsNotExiv2s) {
  IMGSYNC_REQUIRE_CORPUS();
  struct Case {
    const char* path;
    int width, height;  // exiftool; Exiv2 says otherwise
  };
  for (const Case& c : {Case{"ianare-exif-samples/heic/IMG_5195.HEIC", 2566, 3313},  // 4032x3024
                        Case{"exiv2-test-data/Stonehenge.heic", 300, 200},           // 6000x4000
                        Case{"exiv2-test-data/issue_9292_sony_6_right_top.HIF", 4672, 7008},
                        Case{"exiv2-test-data/Sony.HIF", 8640, 5760}}) {
    const auto metadata = extract_metadata(corpus_image(c.path));
    ASSERT_TRUE(metadata.ok()) << c.path << ": " << metadata.error().message;
    EXPECT_EQ(metadata->width, c.width) << c.path;
    EXPECT_EQ(metadata->height, c.height) << c.path;
  }
}

std::uint32_t little_endian(const std::string& bytes, std::size_t at, std::size_t size) {
  std::uint32_t value = 0;
  for (std::size_t i = size; i-- > 0;)
    value = value << 8 | static_cast<unsigned char>(bytes.at(at + i));
  return value;
}

// The offset of the 4-byte value field of `tag` in the IFD at `ifd` (a little-endian TIFF-style
// structure such as JPEG XR's).
std::size_t ifd_value_field(const std::string& bytes, std::size_t ifd, std::uint16_t tag) {
  const std::uint32_t entries = little_endian(bytes, ifd, 2);
  for (std::uint32_t i = 0; i < entries; ++i) {
    const std::size_t entry = ifd + 2 + 12 * i;
    if (little_endian(bytes, entry, 2) == tag) return entry + 8;
  }
  ADD_FAILURE() << "tag " << tag << " not in the IFD at " << ifd;
  return 0;
}

// ISO BMFF (CR3, AVIF, HEIF) is off by default in Exiv2 0.27; initialize_exiv2() enables it.
TEST(MetadataExtractor, BmffFormatsAreReadWithBmffEnabledAtStartUp) {
  IMGSYNC_REQUIRE_CORPUS();
  ASSERT_TRUE(exiv2_supports_bmff());
  const auto cr3 = extract_metadata(corpus_image("exiv2-test-data/Canon-R6-pruned.CR3"));
  ASSERT_TRUE(cr3.ok()) << cr3.error().message;
  EXPECT_EQ(cr3->mime, "image/x-canon-cr3");
  EXPECT_EQ(cr3->make, "Canon");
  EXPECT_EQ(cr3->model, "Canon EOS R6");
  ASSERT_TRUE(cr3->captured_at);
  EXPECT_EQ(cr3->captured_at->source, CaptureTimeSource::kExifDateTimeOriginal);
  EXPECT_EQ(cr3->captured_at->to_rfc3339().substr(0, 19), "2021-05-12T12:21:21");
  EXPECT_EQ(cr3->captured_at->utc_offset_minutes, 120);  // OffsetTimeOriginal +02:00

  const auto avif = extract_metadata(corpus_image("exiv2-test-data/avif.avif"));
  ASSERT_TRUE(avif.ok()) << avif.error().message;
  EXPECT_EQ(avif->mime, "image/avif");
  ASSERT_TRUE(avif->captured_at);
  EXPECT_EQ(avif->captured_at->source, CaptureTimeSource::kExifDateTimeOriginal);
  EXPECT_EQ(avif->captured_at->to_rfc3339().substr(0, 19), "2018-08-15T11:37:35");
  EXPECT_EQ(avif->width, 1920);
  EXPECT_EQ(avif->height, 1080);
}

// exiv2-test-data/IMG_1913_8bit_prophoto_q50.jxr: Exiv2 0.27 cannot open JPEG XR; imgsync reads
// its TIFF-style IFD. The file's GPS IFD holds a valid latitude (34 29.1255'), longitude
// (119 41.5708') and altitude, but its inline values are garbage: GPSVersionID 172.255.255.255,
// GPSLatitudeRef bytes F8 FD, GPSLongitudeRef 01 FE. With no hemisphere the position is absent
// (README: both refs or nothing), as for a JPEG: exiftool reads an unknown ref as N/E and puts
// the photo at 119.69 E, in China, while its XMP says Santa Barbara, California (119.69 W).
TEST(MetadataExtractor, JpegXrIsReadThroughItsTiffStructure) {
  IMGSYNC_REQUIRE_CORPUS();
  const auto corpus_file = corpus_image("exiv2-test-data/IMG_1913_8bit_prophoto_q50.jxr");
  const auto metadata = extract_metadata(corpus_file);
  ASSERT_TRUE(metadata.ok()) << metadata.error().message;
  EXPECT_EQ(metadata->mime, "image/jxr");
  EXPECT_EQ(metadata->captured_at->to_rfc3339().substr(0, 19), "2015-07-18T12:38:10");
  EXPECT_EQ(metadata->captured_at->source, CaptureTimeSource::kExifDateTimeOriginal);
  EXPECT_FALSE(metadata->gps) << "the file's hemisphere refs are unreadable";
  EXPECT_EQ(metadata->lens, "EF-S18-200mm f/3.5-5.6 IS");  // from the XMP packet in the IFD
  EXPECT_EQ(metadata->serial, "112026001186");
  EXPECT_EQ(metadata->width, 1000);
  EXPECT_EQ(metadata->height, 667);

  // The same file with the refs repaired to N and W: the GPS IFD is read like a JPEG's.
  std::string bytes = imgsync::testing::read_file(corpus_file);
  const std::size_t gps_ifd = little_endian(bytes, ifd_value_field(bytes, 0x20, 0x8825), 4);
  bytes.replace(ifd_value_field(bytes, gps_ifd, 0x0001), 2, std::string("N\0", 2));
  bytes.replace(ifd_value_field(bytes, gps_ifd, 0x0003), 2, std::string("W\0", 2));
  ScratchDir dir("imgsync-jxr");
  write_file(dir.path() / "repaired.jxr", bytes);
  const auto repaired = extract_metadata(dir.path() / "repaired.jxr");
  ASSERT_TRUE(repaired.ok()) << repaired.error().message;
  ASSERT_TRUE(repaired->gps);
  EXPECT_NEAR(repaired->gps->latitude, 34.485425, 1e-6);
  EXPECT_NEAR(repaired->gps->longitude, -119.692846666667, 1e-6);
  ASSERT_TRUE(repaired->gps->altitude);
  EXPECT_NEAR(*repaired->gps->altitude, 1118.4116, 1e-6);
}

// Found by fuzz/metadata_extractor_fuzzer: an 'ftyp' box with a 4 GB size sends Exiv2 0.27's
// QuickTime reader (which claims files its BMFF reader rejects) into a loop of minutes; the exiv2
// CLI hangs on it too. imgsync does not hand video containers to Exiv2.
TEST_F(MetadataExtractorTest, Exiv2VideoReadersAreNotUsed) {
  std::string bytes(
      "\xef\xbb\xbf\x1c"
      "ftypheix",
      12);
  bytes.append(256, '\0');
  write_file(dir_.path() / "hang.heic", bytes);
  auto task = std::make_shared<std::packaged_task<Result<ImageMetadata>()>>(
      [path = dir_.path() / "hang.heic"] { return extract_metadata(path); });
  auto future = task->get_future();
  std::thread worker([task] { (*task)(); });
  if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    worker.detach();  // hung: leave it, fail
    FAIL() << "extract_metadata did not return within 10 s";
  }
  worker.join();  // joined, so its thread-local state (OpenSSL's) is gone before the leak check
  const auto metadata = future.get();
  ASSERT_TRUE(metadata.ok()) << metadata.error().message;
  EXPECT_EQ(metadata->mime, "image/heif");  // by its brand; no embedded metadata
  EXPECT_FALSE(metadata->width);
}

TEST_F(MetadataExtractorTest, ErrorsAreValuesWithCategories) {
  IMGSYNC_REQUIRE_CORPUS();
  const auto missing = extract_metadata(dir_.path() / "missing.jpg");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().category, ErrorCategory::kLocalIo);

  const auto directory = extract_metadata(dir_.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().category, ErrorCategory::kLocalIo);

  const auto text = extract_bytes("just some text, not an image\n", "notes.txt");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().category, ErrorCategory::kInvalidInput);

  const auto empty = extract_bytes("", "empty.jpg");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().category, ErrorCategory::kInvalidInput);

  // A PNG whose chunks are cut off: Exiv2 throws, the extractor returns an error.
  const auto broken = extract_metadata(corpus_image("pillow-test-images/truncated_image.png"));
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().category, ErrorCategory::kInvalidInput);
}

TEST(MetadataExtractor, FromMemory) {
  const auto metadata =
      extract_embedded_metadata(synth::build_jpeg(std::nullopt, std::nullopt, 10, 20));
  ASSERT_TRUE(metadata.ok()) << metadata.error().message;
  EXPECT_EQ(metadata->mime, "image/jpeg");
  EXPECT_EQ(metadata->width, 10);
  EXPECT_FALSE(metadata->captured_at);
  EXPECT_FALSE(extract_embedded_metadata("garbage").ok());
}

}  // namespace
}  // namespace imgsync::media
