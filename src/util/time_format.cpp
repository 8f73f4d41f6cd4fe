#include "util/time_format.h"

#include <array>
#include <cctype>
#include <cstddef>

#include <fmt/format.h>

namespace imgsync {
namespace {

using namespace std::chrono;

constexpr std::array<std::string_view, 12> kMonthNames = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
// Indexed by weekday::c_encoding(): Sunday is 0.
constexpr std::array<std::string_view, 7> kShortWeekdays = {"Sun", "Mon", "Tue", "Wed",
                                                            "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongWeekdays = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

// A UTC calendar time as read from text, before validation.
struct CivilTime {
  int year = 0;
  int month = 0;  // 1..12
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  nanoseconds fraction{0};
  minutes utc_offset{0};
};

// The calendar fields of a time point, truncated to milliseconds, for formatting.
struct BrokenDownTime {
  year_month_day date;
  hh_mm_ss<milliseconds> time;
  weekday day_of_week;
};

BrokenDownTime break_down(SystemTime when) {
  const auto instant = floor<milliseconds>(when);
  const auto midnight = floor<days>(instant);
  return {year_month_day{midnight}, hh_mm_ss<milliseconds>{instant - midnight}, weekday{midnight}};
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Reads fixed-layout timestamps left to right; every method consumes only on success.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool at_end() const { return position_ == text_.size(); }

  bool literal(std::string_view expected) {
    if (text_.substr(position_, expected.size()) != expected) return false;
    position_ += expected.size();
    return true;
  }

  // Exactly `count` decimal digits.
  bool number(std::size_t count, int& value) {
    if (position_ + count > text_.size()) return false;
    int result = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const char c = text_[position_ + i];
      if (c < '0' || c > '9') return false;
      result = result * 10 + (c - '0');
    }
    value = result;
    position_ += count;
    return true;
  }

  // A run of letters (possibly empty).
  std::string_view word() {
    const std::size_t start = position_;
    while (position_ < text_.size() && std::isalpha(static_cast<unsigned char>(text_[position_]))) {
      ++position_;
    }
    return text_.substr(start, position_ - start);
  }

  // A fraction of a second after the '.': one or more digits, beyond nanoseconds ignored.
  bool fraction(nanoseconds& value) {
    std::int64_t nanos = 0;
    std::int64_t scale = 100'000'000;
    std::size_t digits = 0;
    while (position_ < text_.size() && text_[position_] >= '0' && text_[position_] <= '9') {
      nanos += (text_[position_] - '0') * scale;
      scale /= 10;
      ++position_;
      ++digits;
    }
    value = nanoseconds{nanos};
    return digits > 0;
  }

  bool month_name(int& month) {
    if (position_ + 3 > text_.size()) return false;
    for (std::size_t i = 0; i < kMonthNames.size(); ++i) {
      if (equals_ignoring_case(text_.substr(position_, 3), kMonthNames[i])) {
        month = static_cast<int>(i) + 1;
        position_ += 3;
        return true;
      }
    }
    return false;
  }

  bool clock_time(CivilTime& time) {
    return number(2, time.hour) && literal(":") && number(2, time.minute) && literal(":") &&
           number(2, time.second);
  }

 private:
  std::string_view text_;
  std::size_t position_ = 0;
};

bool is_weekday_name(std::string_view name) {
  for (std::size_t i = 0; i < kShortWeekdays.size(); ++i) {
    if (equals_ignoring_case(name, kShortWeekdays[i]) ||
        equals_ignoring_case(name, kLongWeekdays[i])) {
      return true;
    }
  }
  return false;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

Error not_a_timestamp(std::string_view text, std::string_view expected_form) {
  // The text usually comes from a server; keep the message one readable line.
  constexpr std::size_t kMaxQuoted = 64;
  const std::string quoted(text.substr(0, kMaxQuoted));
  return make_error(ErrorCategory::kInvalidInput,
                    fmt::format("'{}{}' is not {}", quoted, text.size() > kMaxQuoted ? "..." : "",
                                expected_form));
}

Result<SystemTime> to_system_time(const CivilTime& civil, std::string_view text,
                                  std::string_view expected_form) {
  const year_month_day date{year{civil.year}, month{static_cast<unsigned>(civil.month)},
                            day{static_cast<unsigned>(civil.day)}};
  // Second 60 is a leap second; it lands on the next second like POSIX time does. The years are
  // those system_clock's nanoseconds can hold (1678..2261): a server's "Date: ... 1013" must be an
  // error, not an overflow (found by s3_headers_fuzzer).
  if (!date.ok() || civil.year < 1678 || civil.year > 2261 || civil.hour > 23 ||
      civil.minute > 59 || civil.second > 60) {
    return not_a_timestamp(text, expected_form);
  }
  const sys_seconds whole = sys_days{date} + hours{civil.hour} + minutes{civil.minute} +
                            seconds{civil.second} - civil.utc_offset;
  return time_point_cast<system_clock::duration>(whole) +
         duration_cast<system_clock::duration>(civil.fraction);
}

constexpr std::string_view kHttpDateForm = "an HTTP date like 'Sun, 30 Aug 2015 12:36:00 GMT'";

bool read_zone_gmt(Scanner& scanner) {
  return scanner.literal(" ") && (scanner.literal("GMT") || scanner.literal("UTC")) &&
         scanner.at_end();
}

// After "Sun, ": "30 Aug 2015 12:36:00 GMT".
bool read_imf_fixdate(Scanner& scanner, CivilTime& civil) {
  return scanner.number(2, civil.day) && scanner.literal(" ") && scanner.month_name(civil.month) &&
         scanner.literal(" ") && scanner.number(4, civil.year) && scanner.literal(" ") &&
         scanner.clock_time(civil) && read_zone_gmt(scanner);
}

// After "Sunday, ": "30-Aug-15 12:36:00 GMT".
bool read_rfc850_date(Scanner& scanner, CivilTime& civil) {
  int two_digit_year = 0;
  if (!(scanner.number(2, civil.day) && scanner.literal("-") && scanner.month_name(civil.month) &&
        scanner.literal("-") && scanner.number(2, two_digit_year) && scanner.literal(" ") &&
        scanner.clock_time(civil) && read_zone_gmt(scanner))) {
    return false;
  }
  // A fixed pivot instead of RFC 7231's "50 years ahead" rule: these dates come from servers
  // old enough that 1970..2069 covers them.
  civil.year = two_digit_year < 70 ? 2000 + two_digit_year : 1900 + two_digit_year;
  return true;
}

// After "Sun ": "Aug 30 12:36:00 2015", the day space-padded ("Aug  6").
bool read_asctime_date(Scanner& scanner, CivilTime& civil) {
  if (!(scanner.month_name(civil.month) && scanner.literal(" "))) return false;
  const bool day_read =
      scanner.literal(" ") ? scanner.number(1, civil.day) : scanner.number(2, civil.day);
  return day_read && scanner.literal(" ") && scanner.clock_time(civil) && scanner.literal(" ") &&
         scanner.number(4, civil.year) && scanner.at_end();
}

}  // namespace

std::string format_amz_date(SystemTime when) {
  const BrokenDownTime t = break_down(when);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", static_cast<int>(t.date.year()),
                     static_cast<unsigned>(t.date.month()), static_cast<unsigned>(t.date.day()),
                     t.time.hours().count(), t.time.minutes().count(), t.time.seconds().count());
}

Result<SystemTime> parse_amz_date(std::string_view text) {
  constexpr std::string_view kForm = "an X-Amz-Date like '20150830T123600Z'";
  Scanner scanner(text);
  CivilTime civil;
  const bool read = scanner.number(4, civil.year) && scanner.number(2, civil.month) &&
                    scanner.number(2, civil.day) && scanner.literal("T") &&
                    scanner.number(2, civil.hour) && scanner.number(2, civil.minute) &&
                    scanner.number(2, civil.second) && scanner.literal("Z") && scanner.at_end();
  if (!read) return not_a_timestamp(text, kForm);
  return to_system_time(civil, text, kForm);
}

std::string format_date_stamp(SystemTime when) {
  return format_amz_date(when).substr(0, 8);
}

std::string format_http_date(SystemTime when) {
  const BrokenDownTime t = break_down(when);
  return fmt::format(
      "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kShortWeekdays[t.day_of_week.c_encoding()],
      static_cast<unsigned>(t.date.day()), kMonthNames[static_cast<unsigned>(t.date.month()) - 1],
      static_cast<int>(t.date.year()), t.time.hours().count(), t.time.minutes().count(),
      t.time.seconds().count());
}

Result<SystemTime> parse_http_date(std::string_view text) {
  const std::string_view trimmed = trim(text);
  Scanner scanner(trimmed);
  CivilTime civil;
  // The weekday is checked to be a weekday name but not against the date: it carries nothing.
  if (!is_weekday_name(scanner.word())) return not_a_timestamp(text, kHttpDateForm);
  bool read = false;
  if (scanner.literal(", ")) {
    Scanner lookahead = scanner;
    read = read_imf_fixdate(scanner, civil) || read_rfc850_date(lookahead, civil);
  } else if (scanner.literal(" ")) {
    read = read_asctime_date(scanner, civil);
  }
  if (!read) return not_a_timestamp(text, kHttpDateForm);
  return to_system_time(civil, text, kHttpDateForm);
}

std::string format_iso8601(SystemTime when) {
  const BrokenDownTime t = break_down(when);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(t.date.year()),
                     static_cast<unsigned>(t.date.month()), static_cast<unsigned>(t.date.day()),
                     t.time.hours().count(), t.time.minutes().count(), t.time.seconds().count(),
                     t.time.subseconds().count());
}

Result<SystemTime> parse_iso8601(std::string_view text) {
  constexpr std::string_view kForm = "an ISO 8601 time like '2026-05-01T12:00:00.000Z'";
  Scanner scanner(text);
  CivilTime civil;
  bool read = scanner.number(4, civil.year) && scanner.literal("-") &&
              scanner.number(2, civil.month) && scanner.literal("-") &&
              scanner.number(2, civil.day) && scanner.literal("T") && scanner.clock_time(civil);
  if (read && scanner.literal(".")) read = scanner.fraction(civil.fraction);
  if (read && !scanner.literal("Z")) {
    const bool ahead = scanner.literal("+");
    int offset_hours = 0;
    int offset_minutes = 0;
    read = (ahead || scanner.literal("-")) && scanner.number(2, offset_hours) &&
           scanner.literal(":") && scanner.number(2, offset_minutes) && offset_hours <= 23 &&
           offset_minutes <= 59;
    civil.utc_offset = (ahead ? 1 : -1) * (hours{offset_hours} + minutes{offset_minutes});
  }
  if (!read || !scanner.at_end()) return not_a_timestamp(text, kForm);
  return to_system_time(civil, text, kForm);
}

}  // namespace imgsync
