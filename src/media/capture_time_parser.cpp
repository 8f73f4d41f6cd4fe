#include "media/capture_time_parser.h"

#include <chrono>
#include <cstddef>

namespace imgsync::media {

namespace {

// A cursor over the text; every read either consumes what it expects or leaves the cursor alone.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool at_end() const { return position_ == text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[position_]; }

  // Exactly `count` decimal digits.
  std::optional<int> digits(std::size_t count) {
    if (text_.size() - position_ < count) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const char c = text_[position_ + i];
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    position_ += count;
    return value;
  }

  bool accept(char expected) {
    if (peek() != expected || at_end()) return false;
    ++position_;
    return true;
  }

  bool accept_any_of(std::string_view choices) {
    if (at_end() || choices.find(peek()) == std::string_view::npos) return false;
    ++position_;
    return true;
  }

  // Up to the first non-digit; returns the digits.
  std::string_view digit_run() {
    const std::size_t start = position_;
    while (!at_end() && peek() >= '0' && peek() <= '9') ++position_;
    return text_.substr(start, position_ - start);
  }

 private:
  std::string_view text_;
  std::size_t position_ = 0;
};

std::string_view trim(std::string_view text) {
  const std::size_t nul = text.find('\0');
  if (nul != std::string_view::npos) text = text.substr(0, nul);
  constexpr std::string_view kSpace = " \t\r\n";
  const std::size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

// Milliseconds from a fraction's digits: "054" → 54, "5" → 500, "123456" → 123 (truncated).
int fraction_to_milliseconds(std::string_view digits) {
  int value = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    value = value * 10 + (i < digits.size() ? digits[i] - '0' : 0);
  }
  return value;
}

std::optional<int> parse_zone(Scanner& scanner) {
  if (scanner.accept('Z') || scanner.accept('z')) return 0;
  const char sign = scanner.peek();
  if (!scanner.accept_any_of("+-")) return std::nullopt;
  const auto hours = scanner.digits(2);
  if (!hours) return std::nullopt;
  scanner.accept(':');
  const auto minutes = scanner.digits(2);
  if (!minutes || *hours > 18 || *minutes > 59) return std::nullopt;
  const int total = *hours * 60 + *minutes;
  return sign == '-' ? -total : total;
}

}  // namespace

bool is_plausible_capture_time(const CaptureTime& time) {
  using namespace std::chrono;
  if (time.year < 1800 || time.year > 9999) return false;
  if (time.month < 1 || time.month > 12 || time.day < 1 || time.day > 31) return false;
  const year_month_day date{year{time.year}, month{static_cast<unsigned>(time.month)},
                            day{static_cast<unsigned>(time.day)}};
  if (!date.ok()) return false;
  if (time.hour < 0 || time.hour > 23 || time.minute < 0 || time.minute > 59 || time.second < 0 ||
      time.second > 59) {
    return false;
  }
  if (time.millisecond && (*time.millisecond < 0 || *time.millisecond > 999)) return false;
  return !time.utc_offset_minutes || (*time.utc_offset_minutes >= -18 * 60 &&
                                      *time.utc_offset_minutes <= 18 * 60);
}

std::optional<CaptureTime> parse_capture_time(std::string_view text) {
  Scanner scanner(trim(text));
  CaptureTime time;
  constexpr std::string_view kDateSeparators = ":-/.";

  const auto year = scanner.digits(4);
  if (!year || !scanner.accept_any_of(kDateSeparators)) return std::nullopt;
  const auto month = scanner.digits(2);
  if (!month || !scanner.accept_any_of(kDateSeparators)) return std::nullopt;
  const auto day = scanner.digits(2);
  if (!day || !scanner.accept_any_of(" T")) return std::nullopt;
  while (scanner.accept(' ')) {
  }
  const auto hour = scanner.digits(2);
  if (!hour || !scanner.accept(':')) return std::nullopt;
  const auto minute = scanner.digits(2);
  if (!minute) return std::nullopt;
  time.year = *year;
  time.month = *month;
  time.day = *day;
  time.hour = *hour;
  time.minute = *minute;
  if (scanner.accept(':')) {
    const auto second = scanner.digits(2);
    if (!second) return std::nullopt;
    time.second = *second;
    if (scanner.accept('.') || scanner.accept(',')) {
      const std::string_view fraction = scanner.digit_run();
      if (fraction.empty()) return std::nullopt;
      time.millisecond = fraction_to_milliseconds(fraction);
    }
  }
  while (scanner.accept(' ')) {
  }
  if (!scanner.at_end()) {
    time.utc_offset_minutes = parse_zone(scanner);
    if (!time.utc_offset_minutes || !scanner.at_end()) return std::nullopt;
  }
  if (!is_plausible_capture_time(time)) return std::nullopt;
  return time;
}

std::optional<int> parse_utc_offset_minutes(std::string_view text) {
  Scanner scanner(trim(text));
  const auto offset = parse_zone(scanner);
  if (!offset || !scanner.at_end()) return std::nullopt;
  return offset;
}

std::optional<int> parse_subsecond_milliseconds(std::string_view text) {
  Scanner scanner(trim(text));
  const std::string_view digits = scanner.digit_run();
  if (digits.empty() || !scanner.at_end()) return std::nullopt;
  return fraction_to_milliseconds(digits);
}

}  // namespace imgsync::media
