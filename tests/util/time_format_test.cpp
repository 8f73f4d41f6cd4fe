#include "util/time_format.h"

#include <gtest/gtest.h>

namespace imgsync {
namespace {

using namespace std::chrono;

// 2015-08-30 12:36:00 UTC, the SigV4 test suite's request time (a Sunday).
const SystemTime kSuiteTime = sys_days{year{2015} / 8 / 30} + hours{12} + minutes{36};

TEST(TimeFormat, AmzDateAndDateStamp) {
  EXPECT_EQ(format_amz_date(kSuiteTime), "20150830T123600Z");
  EXPECT_EQ(format_date_stamp(kSuiteTime), "20150830");
  EXPECT_EQ(format_amz_date(kSuiteTime + milliseconds(999)), "20150830T123600Z") << "truncates";
  EXPECT_EQ(format_amz_date(SystemTime{}), "19700101T000000Z");
  auto parsed = parse_amz_date("20150830T123600Z");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, kSuiteTime);
  for (const char* bad : {"", "20150830T123600", "20150830 123600Z", "20151330T123600Z",
                          "20150830T243600Z", "2015-08-30T12:36:00Z", "20150830T123600Zx"}) {
    auto result = parse_amz_date(bad);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.error().category, ErrorCategory::kInvalidInput);
  }
}

TEST(TimeFormat, HttpDateFormatsAsImfFixdate) {
  EXPECT_EQ(format_http_date(kSuiteTime), "Sun, 30 Aug 2015 12:36:00 GMT");
  EXPECT_EQ(format_http_date(sys_days{year{2013} / 5 / 24}), "Fri, 24 May 2013 00:00:00 GMT");
  EXPECT_EQ(format_http_date(sys_days{year{2000} / 2 / 29} + hours{23} + minutes{59} + seconds{59}),
            "Tue, 29 Feb 2000 23:59:59 GMT");
  EXPECT_EQ(format_http_date(SystemTime{} - seconds{1}), "Wed, 31 Dec 1969 23:59:59 GMT");
}

TEST(TimeFormat, ParsesTheThreeHttpDateForms) {
  const SystemTime expected = sys_days{year{1994} / 11 / 6} + hours{8} + minutes{49} + seconds{37};
  for (const char* text : {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                           "Sun Nov  6 08:49:37 1994", "  Sun, 06 Nov 1994 08:49:37 GMT\r\n",
                           "sun, 06 nov 1994 08:49:37 UTC"}) {
    auto parsed = parse_http_date(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error().message;
    EXPECT_EQ(*parsed, expected) << text;
  }
  auto round_trip = parse_http_date(format_http_date(kSuiteTime));
  ASSERT_TRUE(round_trip.ok());
  EXPECT_EQ(*round_trip, kSuiteTime);
  auto two_digit_2000s = parse_http_date("Thursday, 01-May-26 12:00:00 GMT");
  ASSERT_TRUE(two_digit_2000s.ok());
  EXPECT_EQ(*two_digit_2000s, sys_days{year{2026} / 5 / 1} + hours{12});
}

TEST(TimeFormat, RejectsMalformedHttpDates) {
  for (const char* bad :
       {"", "GMT", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37",
        "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 30 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT",
        "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMT junk",
        "1994-11-06T08:49:37Z", "Tue, 01 Dec 1013 03:00:00 GMT", "Tue, 01 Dec 9999 03:00:00 GMT"}) {
    auto result = parse_http_date(bad);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.error().category, ErrorCategory::kInvalidInput);
    EXPECT_NE(result.error().message.find("HTTP date"), std::string::npos);
  }
  const std::string long_garbage(500, 'x');
  auto result = parse_http_date(long_garbage);
  ASSERT_FALSE(result.ok());
  EXPECT_LT(result.error().message.size(), 200u) << "quoted input is shortened";
}

TEST(TimeFormat, Iso8601WithMilliseconds) {
  const SystemTime may_first = sys_days{year{2026} / 5 / 1} + hours{12};
  EXPECT_EQ(format_iso8601(may_first), "2026-05-01T12:00:00.000Z");
  EXPECT_EQ(format_iso8601(may_first + microseconds(123'999)), "2026-05-01T12:00:00.123Z");
  EXPECT_EQ(format_iso8601(SystemTime{} - milliseconds(1)), "1969-12-31T23:59:59.999Z");
}

TEST(TimeFormat, ParsesIso8601FractionsAndOffsets) {
  const SystemTime may_first = sys_days{year{2026} / 5 / 1} + hours{12};
  const std::pair<const char*, SystemTime> cases[] = {
      {"2026-05-01T12:00:00.000Z", may_first},
      {"2026-05-01T12:00:00Z", may_first},
      {"2026-05-01T12:00:00.5Z", may_first + milliseconds(500)},
      {"2026-05-01T12:00:00.123456789123Z", may_first + nanoseconds(123'456'789)},
      {"2026-05-01T14:30:00+02:30", may_first},
      {"2026-05-01T07:00:00-05:00", may_first},
  };
  for (const auto& [text, expected] : cases) {
    auto parsed = parse_iso8601(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error().message;
    EXPECT_EQ(*parsed, expected) << text;
  }
  auto round_trip = parse_iso8601(format_iso8601(may_first + milliseconds(42)));
  ASSERT_TRUE(round_trip.ok());
  EXPECT_EQ(*round_trip, may_first + milliseconds(42));
}

TEST(TimeFormat, RejectsMalformedIso8601) {
  for (const char* bad :
       {"", "2026-05-01", "2026-05-01T12:00:00", "2026-05-01T12:00:00.Z", "2026-05-01 12:00:00Z",
        "2026-13-01T12:00:00Z", "2026-02-29T12:00:00Z", "2026-05-01T12:00:00+0200",
        "2026-05-01T12:00:00Zjunk", "20260501T120000Z"}) {
    auto result = parse_iso8601(bad);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.error().category, ErrorCategory::kInvalidInput);
  }
}

}  // namespace
}  // namespace imgsync
