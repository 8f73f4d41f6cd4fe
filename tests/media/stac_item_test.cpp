#include "media/stac_item.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "media/capture_pairing.h"
#include "media/naming.h"
#include "media/object_keys.h"
#include "support/test_paths.h"

namespace imgsync::media {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const std::string kRawSha = std::string(60, 'a') + "0001";
const std::string kEnhancedSha = std::string(60, 'b') + "0002";
const std::string kThumbSha = std::string(60, 'c') + "0003";

CaptureTime time_of(int year, int month, int day, int hour, int minute, int second,
                    std::optional<int> offset_minutes) {
  CaptureTime time;
  time.year = year, time.month = month, time.day = day;
  time.hour = hour, time.minute = minute, time.second = second;
  time.utc_offset_minutes = offset_minutes;
  time.source = CaptureTimeSource::kExifDateTimeOriginal;
  return time;
}

ImageMetadata camera_file(std::string path, std::optional<int> offset_minutes) {
  ImageMetadata metadata;
  metadata.path = std::move(path);
  metadata.mime = "image/x-canon-cr3";
  metadata.width = 8192, metadata.height = 5464;
  metadata.orientation = 6;
  metadata.captured_at = time_of(2026, 5, 3, 14, 22, 5, offset_minutes);
  metadata.make = "Canon";
  metadata.model = "Canon EOS R5";
  metadata.lens = "RF24-70mm F2.8 L IS USM";
  metadata.tags = {"alps", "sunset"};
  metadata.sha256 = kRawSha;
  metadata.bytes = 45'000'000;
  return metadata;
}

// The way the product composes the pieces: pair, name, key, then describe.
CaptureRecord record_for(const Capture& capture, bool with_thumbnail = true) {
  const ImageMetadata& primary = capture.primary();
  const std::string name =
      *NameTemplate::default_template().render(naming_input_from(primary, "alps"));
  const auto ext = [](const std::optional<ImageMetadata>& file) -> std::optional<std::string> {
    if (!file) return std::nullopt;
    return std::filesystem::path(file->path).extension().string();
  };
  const auto raw_ext = ext(capture.raw), enhanced_ext = ext(capture.enhanced);
  auto keys = make_object_keys("", primary.captured_at, name, raw_ext, enhanced_ext);
  EXPECT_TRUE(keys.ok()) << keys.error().message;
  CaptureRecord record;
  record.name = name;
  record.item_key = keys->metadata;
  record.catalog_key = "catalog/catalog.json";
  record.primary = primary;
  record.created = std::chrono::sys_days{std::chrono::year{2026} / 5 / 4} + 10h + 30min;
  if (capture.raw) {
    record.raw = AssetInfo{keys->raw, capture.raw->mime, capture.raw->bytes, capture.raw->sha256};
  }
  if (capture.enhanced) {
    record.enhanced = AssetInfo{keys->enhanced, capture.enhanced->mime, capture.enhanced->bytes,
                                capture.enhanced->sha256};
  }
  if (with_thumbnail)
    record.thumbnail = AssetInfo{keys->thumbnail, "image/jpeg", 30'000, kThumbSha};
  return record;
}

CaptureRecord single_raw(ImageMetadata metadata) {
  return record_for(Capture{std::move(metadata), std::nullopt});
}

json build(const CaptureRecord& record) {
  auto item = build_stac_item(record);
  EXPECT_TRUE(item.ok()) << item.error().message;
  return item.ok() ? *item : json();
}

// ---- Content ----

TEST(StacItemTest, GpsAndKnownOffset) {
  ImageMetadata metadata = camera_file("/in/IMG_0042.CR3", 120);
  metadata.gps = GpsPosition{47.37, 8.54, std::nullopt};
  const json item = build(single_raw(metadata));
  EXPECT_EQ(item["type"], "Feature");
  EXPECT_EQ(item["stac_version"], "1.0.0");
  EXPECT_EQ(item["id"], "alps_img-0042_20260503");
  EXPECT_EQ(item["geometry"], json({{"type", "Point"}, {"coordinates", {8.54, 47.37}}}));
  EXPECT_EQ(item["bbox"], json({8.54, 47.37, 8.54, 47.37}));
  const json& properties = item["properties"];
  EXPECT_EQ(properties["datetime"], "2026-05-03T12:22:05Z");
  EXPECT_FALSE(properties.contains("start_datetime"));
  EXPECT_EQ(properties["imgsync:local_datetime"], "2026-05-03T14:22:05");
  EXPECT_EQ(properties["imgsync:utc_offset"], "+02:00");
  EXPECT_EQ(properties["imgsync:offset_known"], true);
  EXPECT_EQ(properties["imgsync:captured_at_source"], "exif:DateTimeOriginal");
  EXPECT_EQ(properties["created"], "2026-05-04T10:30:00Z");
  EXPECT_EQ(properties["title"], "IMG_0042.CR3");
  EXPECT_EQ(properties["platform"], "canon");
  EXPECT_EQ(properties["instruments"], json({"canon eos r5"}));
  EXPECT_EQ(properties["imgsync:make"], "Canon");
  EXPECT_EQ(properties["imgsync:model"], "Canon EOS R5");
  EXPECT_EQ(properties["imgsync:lens"], "RF24-70mm F2.8 L IS USM");
  EXPECT_EQ(properties["imgsync:width"], 8192);
  EXPECT_EQ(properties["imgsync:height"], 5464);
  EXPECT_EQ(properties["imgsync:orientation"], 6);
  EXPECT_EQ(properties["imgsync:tags"], json({"alps", "sunset"}));
  EXPECT_EQ(properties["keywords"], json({"alps", "sunset"}));
  EXPECT_EQ(item["stac_extensions"], json({kFileExtensionSchema}));
  EXPECT_EQ(item["links"], json::parse(R"([{"rel":"root","type":"application/json",
                                            "href":"../../../../catalog/catalog.json"}])"));
  const json& raw = item["assets"]["raw"];
  EXPECT_EQ(raw["href"], "../../../../raw/2026/05/03/alps_img-0042_20260503.cr3");
  EXPECT_EQ(raw["type"], "image/x-canon-cr3");
  EXPECT_EQ(raw["roles"], json({"data"}));
  EXPECT_EQ(raw["file:size"], 45'000'000);
  EXPECT_EQ(raw["file:checksum"], "1220" + kRawSha);
  const json& thumbnail = item["assets"]["thumbnail"];
  EXPECT_EQ(thumbnail["href"], "../../../../thumbnails/2026/05/03/alps_img-0042_20260503.jpg");
  EXPECT_EQ(thumbnail["roles"], json({"thumbnail"}));
  EXPECT_FALSE(item["assets"].contains("enhanced"));
}

TEST(StacItemTest, NoGpsMeansNullGeometryAndNoBbox) {
  const json item = build(single_raw(camera_file("/in/a.cr3", 0)));
  EXPECT_TRUE(item.contains("geometry"));
  EXPECT_TRUE(item["geometry"].is_null());
  EXPECT_FALSE(item.contains("bbox"));
  EXPECT_EQ(item["properties"]["imgsync:utc_offset"], "+00:00");
}

// Issue 14: a file whose metadata was only partly read (or not at all) is archived with an Item
// that says so; a complete read adds nothing.
TEST(StacItemTest, MetadataErrorsAreNamedInTheItem) {
  EXPECT_FALSE(build(single_raw(camera_file("/in/a.cr3", 0)))["properties"].contains(
      "imgsync:metadata_error"));
  ImageMetadata partial = camera_file("/in/a.cr3", 0);
  partial.read_status = MetadataReadStatus::kPartial;
  partial.metadata_error = "XMP: the packet is not well-formed XML";
  const json item = build(single_raw(partial));
  EXPECT_EQ(item["properties"]["imgsync:metadata_status"], "partial");
  EXPECT_EQ(item["properties"]["imgsync:metadata_error"], "XMP: the packet is not well-formed XML");
}

TEST(StacItemTest, UnknownOffsetGivesNullDatetimeAndTheSpanOfAllOffsets) {
  const json properties = build(single_raw(camera_file("/in/a.cr3", std::nullopt)))["properties"];
  EXPECT_TRUE(properties["datetime"].is_null());
  EXPECT_EQ(properties["start_datetime"], "2026-05-03T00:22:05Z");  // local at UTC+14:00
  EXPECT_EQ(properties["end_datetime"], "2026-05-04T02:22:05Z");    // local at UTC-12:00
  EXPECT_EQ(properties["imgsync:local_datetime"], "2026-05-03T14:22:05");
  EXPECT_EQ(properties["imgsync:offset_known"], false);
  EXPECT_FALSE(properties.contains("imgsync:utc_offset"));
}

TEST(StacItemTest, MillisecondsAndNegativeOffsetAcrossTheYear) {
  ImageMetadata metadata = camera_file("/in/a.cr3", -330);
  metadata.captured_at = time_of(2026, 12, 31, 23, 30, 0, -330);
  metadata.captured_at->millisecond = 250;
  const json properties = build(single_raw(metadata))["properties"];
  EXPECT_EQ(properties["datetime"], "2027-01-01T05:00:00.250Z");
  EXPECT_EQ(properties["imgsync:utc_offset"], "-05:30");
  EXPECT_EQ(properties["imgsync:local_datetime"], "2026-12-31T23:30:00.250");
}

TEST(StacItemTest, RawAndEnhancedPairShareOneItem) {
  ImageMetadata enhanced = camera_file("/out/IMG_0042_enhanced.jpg", 120);
  enhanced.mime = "image/jpeg";
  enhanced.sha256 = kEnhancedSha;
  enhanced.bytes = 9'000'000;
  enhanced.captured_at->day = 9;  // an export date must not date the capture
  const auto captures = pair_captures(
      {{FileRole::kRaw, camera_file("/in/IMG_0042.CR3", 120)}, {FileRole::kEnhanced, enhanced}});
  ASSERT_EQ(captures.size(), 1u);
  const json item = build(record_for(captures[0]));
  EXPECT_EQ(item["id"], "alps_img-0042_20260503");
  EXPECT_EQ(item["assets"]["raw"]["href"], "../../../../raw/2026/05/03/alps_img-0042_20260503.cr3");
  EXPECT_EQ(item["assets"]["enhanced"]["href"],
            "../../../../enhanced/2026/05/03/alps_img-0042_20260503.jpg");
  EXPECT_EQ(item["assets"]["enhanced"]["type"], "image/jpeg");
  EXPECT_EQ(item["assets"]["enhanced"]["file:checksum"], "1220" + kEnhancedSha);
  EXPECT_EQ(item["assets"]["enhanced"]["roles"], json({"data"}));
  EXPECT_EQ(item["properties"]["datetime"], "2026-05-03T12:22:05Z");
}

TEST(StacItemTest, GpsWithAltitudeAndDroneFields) {
  ImageMetadata metadata = camera_file("/in/DJI_0001.DNG", 60);
  metadata.make = "DJI";
  metadata.model = "FC3582";
  metadata.gps = GpsPosition{-33.8568, 151.2153, 120.5};
  metadata.image_direction = 270.5;
  metadata.drone = DroneInfo{};
  metadata.drone->relative_altitude = 98.2;
  metadata.drone->gimbal_pitch = -90.0;
  metadata.drone->flight_yaw = std::numeric_limits<double>::quiet_NaN();  // dropped, not null
  const json item = build(single_raw(metadata));
  EXPECT_EQ(item["geometry"]["coordinates"], json({151.2153, -33.8568, 120.5}));
  EXPECT_EQ(item["bbox"], json({151.2153, -33.8568, 120.5, 151.2153, -33.8568, 120.5}));
  EXPECT_EQ(item["properties"]["platform"], "dji");
  EXPECT_EQ(item["properties"]["instruments"], json({"fc3582"}));
  EXPECT_EQ(item["properties"]["imgsync:relative_altitude"], 98.2);
  EXPECT_EQ(item["properties"]["imgsync:gimbal_pitch"], -90.0);
  EXPECT_EQ(item["properties"]["imgsync:image_direction"], 270.5);
  EXPECT_FALSE(item["properties"].contains("imgsync:flight_yaw"));
}

TEST(StacItemTest, OutOfRangeOrNonFiniteGpsIsNoGeometry) {
  for (GpsPosition gps : {GpsPosition{91, 0, std::nullopt}, GpsPosition{0, 181, std::nullopt},
                          GpsPosition{std::nan(""), 1, std::nullopt}}) {
    ImageMetadata metadata = camera_file("/in/a.cr3", 0);
    metadata.gps = gps;
    const json item = build(single_raw(metadata));
    EXPECT_TRUE(item["geometry"].is_null());
    EXPECT_FALSE(item.contains("bbox"));
  }
  ImageMetadata metadata = camera_file("/in/a.cr3", 0);
  metadata.gps = GpsPosition{1, 2, std::numeric_limits<double>::infinity()};
  EXPECT_EQ(build(single_raw(metadata))["geometry"]["coordinates"], json({2.0, 1.0}));
}

TEST(StacItemTest, InvalidUtf8FromTheCameraNeverBreaksSerialisation) {
  ImageMetadata metadata = camera_file("/in/a\xFF.cr3", 0);
  metadata.make = "Can\xC3on";
  metadata.tags = {"ok", "bad\xE2\x82"};
  const json item = build(single_raw(metadata));
  std::string dumped;
  EXPECT_NO_THROW(dumped = item.dump());
  EXPECT_EQ(item["properties"]["imgsync:make"], "Can\xEF\xBF\xBDon");
}

TEST(StacItemTest, SelfLinkWhenGivenAndNoExtensionWithoutAssets) {
  CaptureRecord record = single_raw(camera_file("/in/a.cr3", 0));
  record.raw.reset();
  record.thumbnail.reset();
  record.self_href = "https://photos.example/metadata/2026/05/03/alps_a_20260503.json";
  const json item = build(record);
  EXPECT_TRUE(item["assets"].empty());
  EXPECT_FALSE(item.contains("stac_extensions"));
  ASSERT_EQ(item["links"].size(), 2u);
  EXPECT_EQ(item["links"][1]["rel"], "self");
}

TEST(StacItemTest, RejectsRecordsThatCannotMakeAValidItem) {
  const CaptureRecord good = single_raw(camera_file("/in/a.cr3", 0));
  CaptureRecord record = good;
  record.primary.captured_at.reset();
  EXPECT_FALSE(build_stac_item(record).ok());
  record = good;
  record.primary.captured_at->month = 13;
  EXPECT_FALSE(build_stac_item(record).ok());
  record = good;
  record.raw->sha256 = "abc";
  EXPECT_FALSE(build_stac_item(record).ok());
  record = good;
  record.raw->key = "../escape.cr3";
  EXPECT_FALSE(build_stac_item(record).ok());
  record = good;
  record.name = "a/b";
  EXPECT_FALSE(build_stac_item(record).ok());
  record = good;
  record.item_key = "";
  EXPECT_FALSE(build_stac_item(record).ok());
}

TEST(StacItemTest, TimestampFormatting) {
  EXPECT_EQ(format_utc_timestamp(std::chrono::sys_seconds{}), "1970-01-01T00:00:00Z");
  EXPECT_STREQ(stac_capture_time_source(CaptureTimeSource::kFileModificationTime), "file:mtime");
}

// ---- Validation against the official STAC 1.0.0 schemas (ajv, offline) ----

struct ProcessResult {
  int exit_code = -1;
  std::string output;
};

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

ProcessResult run(const std::string& command) {
  ProcessResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe))
    result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class StacValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    IMGSYNC_REQUIRE_CORPUS();
    const auto tools = testing::source_dir() / "tests" / "tools";
    ASSERT_TRUE(std::filesystem::exists(tools / "node_modules" / "ajv" / "package.json") &&
                std::filesystem::exists(tools / "node_modules" / "ajv-formats" / "package.json"))
        << "the STAC validator's Node packages are missing: run `npm ci --prefix tests/tools` "
           "(or scripts/install-node-tools) in the repository";
    ASSERT_EQ(run("node --version").exit_code, 0) << "node is not on PATH; install Node.js";
    ASSERT_TRUE(
        std::filesystem::exists(schemas_ / "v1.0.0" / "item-spec" / "json-schema" / "item.json"))
        << "STAC schemas missing under " << schemas_;
  }

  std::string write(const std::string& file_name, const json& item) {
    const auto path = scratch_.path() / file_name;
    testing::write_file(path, item.dump(2));
    return path.string();
  }

  ProcessResult validate(const std::vector<std::string>& files) {
    std::string command =
        "node " + shell_quote((testing::source_dir() / "tests/tools/validate-stac.mjs").string()) +
        " --schemas " + shell_quote(schemas_.string());
    for (const std::string& file : files) command += " " + shell_quote(file);
    return run(command);
  }

  const std::filesystem::path schemas_ = testing::corpus_dir() / "stac-schemas";
  testing::ScratchDir scratch_{"imgsync-stac"};
};

std::vector<std::pair<std::string, json>> representative_items() {
  std::vector<std::pair<std::string, json>> items;
  ImageMetadata gps = camera_file("/in/IMG_0042.CR3", 120);
  gps.gps = GpsPosition{47.37, 8.54, std::nullopt};
  items.emplace_back("gps-offset.json", build(single_raw(gps)));
  items.emplace_back("no-gps.json", build(single_raw(camera_file("/in/a.cr3", -300))));
  items.emplace_back("no-offset.json", build(single_raw(camera_file("/in/b.cr3", std::nullopt))));
  ImageMetadata enhanced = camera_file("/out/IMG_0042_edit.jpg", 120);
  enhanced.mime = "image/jpeg";
  enhanced.sha256 = kEnhancedSha;
  const auto pair = pair_captures({{FileRole::kRaw, gps}, {FileRole::kEnhanced, enhanced}});
  items.emplace_back("pair.json", build(record_for(pair.at(0))));
  ImageMetadata drone = camera_file("/in/DJI_0001.DNG", std::nullopt);
  drone.gps = GpsPosition{-33.8568, 151.2153, -12.25};
  drone.drone = DroneInfo{98.2, -90.0, 10.0, 0.0, 1.0, 2.0, 3.0};
  drone.captured_at->millisecond = 7;
  items.emplace_back("gps-altitude-drone.json", build(single_raw(drone)));
  CaptureRecord bare = single_raw(camera_file("/in/c.cr3", 0));
  bare.raw.reset(), bare.thumbnail.reset();
  bare.self_href = "https://photos.example/metadata/2026/05/03/alps_c_20260503.json";
  items.emplace_back("no-assets-self-link.json", build(bare));
  return items;
}

TEST_F(StacValidationTest, RepresentativeItemsAreValidStac100) {
  std::vector<std::string> files;
  for (const auto& [file_name, item] : representative_items()) {
    files.push_back(write(file_name, item));
  }
  const ProcessResult result = validate(files);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  for (const std::string& file : files) {
    EXPECT_NE(result.output.find(file + ": valid"), std::string::npos) << result.output;
  }
}

TEST_F(StacValidationTest, BrokenItemsFail) {
  // If these passed, the validator would be vacuous (no schema loaded, wrong $id, ...).
  ImageMetadata gps = camera_file("/in/IMG_0042.CR3", 120);
  gps.gps = GpsPosition{47.37, 8.54, std::nullopt};
  const json good = build(single_raw(gps));
  std::vector<std::pair<std::string, json>> broken;
  json item = good;
  item.erase("id");
  broken.emplace_back("missing-id.json", item);
  item = good;
  item["geometry"] = nullptr;  // bbox must go with it
  broken.emplace_back("bbox-without-geometry.json", item);
  item = good;
  item["properties"]["datetime"] = "2026-05-03T14:22:05+02:00";  // STAC wants UTC
  broken.emplace_back("non-utc-datetime.json", item);
  item = build(single_raw(camera_file("/in/b.cr3", std::nullopt)));
  item["properties"].erase("start_datetime");
  item["properties"].erase("end_datetime");
  broken.emplace_back("null-datetime-without-range.json", item);
  item = good;
  item["assets"]["raw"]["href"] = "../raw/with space.cr3";
  broken.emplace_back("bad-href.json", item);

  std::vector<std::string> files;
  for (const auto& [file_name, document] : broken) files.push_back(write(file_name, document));
  const ProcessResult result = validate(files);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  for (const std::string& file : files) {
    EXPECT_NE(result.output.find(file + ": INVALID"), std::string::npos) << result.output;
  }
}

}  // namespace
}  // namespace imgsync::media
