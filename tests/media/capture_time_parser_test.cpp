#include "media/capture_time_parser.h"

#include <gtest/gtest.h>

namespace imgsync::media {
namespace {

TEST(MediaCaptureTimeParser, ReadsExifSpelling) {
  const auto time = parse_capture_time("2026:05:03 14:22:05");
  ASSERT_TRUE(time);
  EXPECT_EQ(time->year, 2026);
  EXPECT_EQ(time->month, 5);
  EXPECT_EQ(time->day, 3);
  EXPECT_EQ(time->hour, 14);
  EXPECT_EQ(time->minute, 22);
  EXPECT_EQ(time->second, 5);
  EXPECT_FALSE(time->millisecond);
  EXPECT_FALSE(time->offset_known());
}

TEST(MediaCaptureTimeParser, ReadsXmpSpellingWithFractionAndZone) {
  const auto time = parse_capture_time("2021-04-11T15:47:53.054-05:00");
  ASSERT_TRUE(time);
  EXPECT_EQ(time->millisecond, 54);
  EXPECT_EQ(time->utc_offset_minutes, -300);
  EXPECT_EQ(parse_capture_time("2013:07:05 03:18:27Z")->utc_offset_minutes, 0);
  EXPECT_EQ(parse_capture_time("2013-07-05T03:18:27+0530")->utc_offset_minutes, 330);
  EXPECT_EQ(parse_capture_time("2013-07-05T03:18")->second, 0);
}

TEST(MediaCaptureTimeParser, IgnoresTrailingNulsAndSpaces) {
  EXPECT_TRUE(parse_capture_time(std::string("2005:04:23 17:54:36\0\0", 21)));
  EXPECT_TRUE(parse_capture_time("  2005:04:23 17:54:36  "));
}

TEST(MediaCaptureTimeParser, BlankZeroAndImpossibleDatesAreAbsent) {
  for (const char* text :
       {"", "    :  :     :  :  ", "0000:00:00 00:00:00", "2021:02:30 10:00:00",
        "2021:13:01 10:00:00", "2021:01:01 24:00:00", "2021:01:01 10:60:00",
        "2021:01:01 10:00:60", "1799:12:31 23:59:59", "2021:08:19 18:48:53A", "2021-08-19",
        "2004:06:21 2\x06:37:53", "00000000Nikon", "2005:09:07415:07:40:07:00",
        "2021:01:01 10:00:00+25:00"}) {
    EXPECT_FALSE(parse_capture_time(text)) << '"' << text << '"';
  }
  EXPECT_TRUE(parse_capture_time("2024:02:29 00:00:00"));  // a leap day is real
}

TEST(MediaCaptureTimeParser, OffsetsAndSubseconds) {
  EXPECT_EQ(parse_utc_offset_minutes("+02:00"), 120);
  EXPECT_EQ(parse_utc_offset_minutes("-05:30"), -330);
  EXPECT_EQ(parse_utc_offset_minutes("Z"), 0);
  EXPECT_FALSE(parse_utc_offset_minutes("   :  "));
  EXPECT_FALSE(parse_utc_offset_minutes(""));
  EXPECT_FALSE(parse_utc_offset_minutes("+19:00"));
  EXPECT_EQ(parse_subsecond_milliseconds("054"), 54);
  EXPECT_EQ(parse_subsecond_milliseconds("5"), 500);
  EXPECT_EQ(parse_subsecond_milliseconds("123456 "), 123);
  EXPECT_FALSE(parse_subsecond_milliseconds("   "));
  EXPECT_FALSE(parse_subsecond_milliseconds("5a"));
}

}  // namespace
}  // namespace imgsync::media
