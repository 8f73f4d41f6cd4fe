#include "media/metadata_json.h"

#include <gtest/gtest.h>

namespace imgsync::media {
namespace {

using nlohmann::json;

const char* const kKeys[] = {"path",  "mime",   "width", "height", "orientation", "captured_at",
                             "captured_at_source", "offset_known", "gps", "camera", "tags",
                             "sha256", "bytes", "error"};

TEST(MetadataJson, FullRecord) {
  ImageMetadata metadata;
  metadata.path = "/in/IMG_1.jpg";
  metadata.mime = "image/jpeg";
  metadata.width = 4000, metadata.height = 3000, metadata.orientation = 6;
  CaptureTime time;
  time.year = 2026, time.month = 5, time.day = 3, time.hour = 14, time.minute = 22;
  time.utc_offset_minutes = 120;
  time.source = CaptureTimeSource::kExifDateTimeOriginal;
  metadata.captured_at = time;
  metadata.gps = GpsPosition{47.37, 8.54, 408.5};
  metadata.make = "Canon", metadata.model = "EOS R6", metadata.lens = "RF24-105mm";
  metadata.tags = {"alps", "Z\xc3\xbcrich"};
  metadata.sha256 = std::string(64, 'a');
  metadata.bytes = 1234;

  const json record = metadata_to_json(metadata);
  for (const char* key : kKeys) EXPECT_TRUE(record.contains(key)) << key;
  EXPECT_EQ(record["captured_at"], "2026-05-03T14:22:00+02:00");
  EXPECT_EQ(record["captured_at_source"], "exif:DateTimeOriginal");
  EXPECT_EQ(record["offset_known"], true);
  EXPECT_EQ(record["gps"], (json{{"lat", 47.37}, {"lon", 8.54}, {"alt", 408.5}}));
  EXPECT_EQ(record["camera"]["make"], "Canon");
  EXPECT_EQ(record["camera"]["lens"], "RF24-105mm");
  EXPECT_EQ(record["camera"]["serial"], nullptr);
  EXPECT_EQ(record["tags"], (json{"alps", "Z\xc3\xbcrich"}));
  EXPECT_EQ(record["width"], 4000);
  EXPECT_EQ(record["orientation"], 6);
  EXPECT_EQ(record["bytes"], 1234);
  EXPECT_EQ(record["error"], nullptr);
  EXPECT_EQ(record["drone"], nullptr);
}

TEST(MetadataJson, AbsentValuesAreNull) {
  ImageMetadata metadata;
  metadata.path = "a.png";
  const json record = metadata_to_json(metadata);
  EXPECT_EQ(record["gps"], nullptr);
  EXPECT_EQ(record["captured_at"], nullptr);
  EXPECT_EQ(record["width"], nullptr);
  EXPECT_EQ(record["tags"], json::array());
}

TEST(MetadataJson, ErrorRecordHasTheSameKeys) {
  const json record =
      metadata_error_to_json("bad \xff name.jpg", make_error(ErrorCategory::kLocalIo, "gone"));
  for (const char* key : kKeys) EXPECT_TRUE(record.contains(key)) << key;
  EXPECT_EQ(record["error"], "gone");
  EXPECT_EQ(record["mime"], nullptr);
  EXPECT_NO_THROW(record.dump());  // the invalid UTF-8 of the name was converted
}

}  // namespace
}  // namespace imgsync::media
