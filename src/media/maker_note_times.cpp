#include "media/maker_note_times.h"

#include <charconv>
#include <chrono>

#include "media/byte_reader.h"
#include "media/capture_time_parser.h"

namespace imgsync::media {

namespace {

constexpr std::uint16_t kReconyxHyperFireVersion = 0xf101;
constexpr std::size_t kReconyxDateTimeOffset = 0x0b * 2;  // int16u[6]: s, min, h, month, day, year

CaptureTime wall_clock(int year, int month, int day, int hour, int minute, int second,
                       CaptureTimeSource source) {
  CaptureTime time;
  time.year = year;
  time.month = month;
  time.day = day;
  time.hour = hour;
  time.minute = minute;
  time.second = second;
  time.source = source;
  return time;
}

std::optional<CaptureTime> plausible(CaptureTime time) {
  if (!is_plausible_capture_time(time)) return std::nullopt;
  return time;
}

}  // namespace

std::optional<CaptureTime> read_undecoded_maker_note_time(std::string_view maker_note) {
  ByteReader reader(maker_note, false);
  auto version = reader.u16(0);
  if (version && *version != kReconyxHyperFireVersion) {
    reader.set_big_endian(true);
    version = reader.u16(0);
  }
  if (!version || *version != kReconyxHyperFireVersion) return std::nullopt;
  int fields[6];
  for (std::size_t i = 0; i < 6; ++i) {
    const auto value = reader.u16(kReconyxDateTimeOffset + 2 * i);
    if (!value) return std::nullopt;
    fields[i] = *value;
  }
  return plausible(wall_clock(fields[5], fields[3], fields[4], fields[2], fields[1], fields[0],
                              CaptureTimeSource::kMakerNote));
}

std::optional<CaptureTime> read_picture_info_time(std::string_view segment) {
  constexpr std::string_view kHeader = "[picture info]";
  constexpr std::string_view kKey = "TimeDate=";
  // Olympus puts "OLYMPUS OPTICAL CO.,LTD." and a few bytes in front of it.
  constexpr std::size_t kMaxPrefix = 64;
  const std::size_t header = segment.substr(0, kMaxPrefix + kHeader.size()).find(kHeader);
  if (header == std::string_view::npos) return std::nullopt;
  segment.remove_prefix(header);
  const std::size_t key = segment.find(kKey);
  if (key == std::string_view::npos) return std::nullopt;
  const char* begin = segment.data() + key + kKey.size();
  const char* end = segment.data() + segment.size();
  std::int64_t seconds = 0;
  const auto [stop, error] = std::from_chars(begin, end, seconds);
  if (error != std::errc() || stop == begin) return std::nullopt;
  return wall_clock_from_epoch_seconds(seconds, CaptureTimeSource::kMakerNote);
}

std::optional<CaptureTime> wall_clock_from_epoch_seconds(std::int64_t seconds,
                                                         CaptureTimeSource source) {
  using namespace std::chrono;
  constexpr std::int64_t kYear10000 = 253402300800;
  if (seconds <= 0 || seconds >= kYear10000) return std::nullopt;
  const sys_seconds instant{std::chrono::seconds{seconds}};
  const auto days = floor<std::chrono::days>(instant);
  const year_month_day date{days};
  const hh_mm_ss clock{instant - days};
  return plausible(wall_clock(
      static_cast<int>(date.year()), static_cast<int>(static_cast<unsigned>(date.month())),
      static_cast<int>(static_cast<unsigned>(date.day())), static_cast<int>(clock.hours().count()),
      static_cast<int>(clock.minutes().count()), static_cast<int>(clock.seconds().count()),
      source));
}

}  // namespace imgsync::media
