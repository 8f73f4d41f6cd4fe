#include "media/image_metadata.h"

#include <gtest/gtest.h>

#include "media/metadata_text.h"

namespace imgsync::media {
namespace {

CaptureTime time_of(int year, int month, int day, int hour, int minute, int second) {
  CaptureTime time;
  time.year = year, time.month = month, time.day = day;
  time.hour = hour, time.minute = minute, time.second = second;
  return time;
}

TEST(MediaCaptureTime, Rfc3339KeepsLocalTimeWithoutOffset) {
  CaptureTime time = time_of(2026, 5, 3, 14, 22, 5);
  EXPECT_EQ(time.to_rfc3339(), "2026-05-03T14:22:05");
  EXPECT_FALSE(time.utc());  // never invent UTC
  time.millisecond = 7;
  EXPECT_EQ(time.to_rfc3339(), "2026-05-03T14:22:05.007");
}

TEST(MediaCaptureTime, Rfc3339AndUtcWithOffset) {
  CaptureTime time = time_of(2026, 5, 3, 1, 22, 5);
  time.utc_offset_minutes = 120;
  EXPECT_EQ(time.to_rfc3339(), "2026-05-03T01:22:05+02:00");
  const auto expected = std::chrono::sys_days{std::chrono::year{2026} / 5 / 2} +
                        std::chrono::hours{23} + std::chrono::minutes{22} +
                        std::chrono::seconds{5};
  EXPECT_EQ(time.utc(), expected);
  time.utc_offset_minutes = -330;
  EXPECT_EQ(time.to_rfc3339(), "2026-05-03T01:22:05-05:30");
  time.utc_offset_minutes = 0;
  EXPECT_EQ(time.to_rfc3339(), "2026-05-03T01:22:05+00:00");
}

TEST(MediaCaptureTime, SourceNames) {
  EXPECT_STREQ(to_string(CaptureTimeSource::kExifDateTimeOriginal), "exif:DateTimeOriginal");
  EXPECT_STREQ(to_string(CaptureTimeSource::kExifCreateDate), "exif:CreateDate");
  EXPECT_STREQ(to_string(CaptureTimeSource::kXmpDateTimeOriginal), "xmp:DateTimeOriginal");
  EXPECT_STREQ(to_string(CaptureTimeSource::kXmpCreateDate), "xmp:CreateDate");
  EXPECT_STREQ(to_string(CaptureTimeSource::kSidecar), "sidecar");
  EXPECT_STREQ(to_string(CaptureTimeSource::kFileModificationTime), "file:mtime");
}

TEST(MediaMetadataText, CleansCameraStrings) {
  EXPECT_EQ(clean_text(std::string("Canon \0garbage", 14)), "Canon");
  EXPECT_EQ(clean_text("  NIKON D70   "), "NIKON D70");
  EXPECT_EQ(clean_text("Z\xfcrich"), "Z\xc3\xbcrich");  // Latin-1 becomes UTF-8
  EXPECT_EQ(clean_text("Z\xc3\xbcrich"), "Z\xc3\xbcrich");  // UTF-8 stays
  EXPECT_FALSE(is_valid_utf8("\xc0\x80"));                 // overlong NUL
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));             // surrogate
  EXPECT_EQ(utf16le_to_utf8(std::string("h\0i\0\0\0x\0", 8)), "hi");
}

}  // namespace
}  // namespace imgsync::media
