#include "app/search_arguments.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace imgsync::app {
namespace {

Error invalid(std::string message) {
  return make_error(ErrorCategory::kInvalidInput, std::move(message));
}

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

// A whole string as a finite number, nothing else.
std::optional<double> parse_number(const std::string& text) {
  const std::string trimmed = trim(text);
  if (trimmed.empty()) return std::nullopt;
  double value = 0;
  const char* begin = trimmed.data() + (trimmed.front() == '+' ? 1 : 0);
  const char* end = trimmed.data() + trimmed.size();
  auto [rest, error] = std::from_chars(begin, end, value);
  if (error != std::errc() || rest != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

bool digits(const std::string& text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return false;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

int number_at(const std::string& text, std::size_t at, std::size_t count) {
  return std::stoi(text.substr(at, count));
}

}  // namespace

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

Result<catalog::TimeBound> parse_time_bound(const std::string& flag, const std::string& text,
                                            bool upper, bool utc) {
  using namespace std::chrono;
  const auto bad = [&](const std::string& why) {
    return invalid(fmt::format(
        "{} \"{}\": {}; write YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS (the capture's "
        "local time; --utc for UTC), or end it with Z or +HH:MM for a UTC instant",
        flag, text, why));
  };
  const std::string value = trim(text);
  if (!digits(value, 0, 4) || value.size() < 10 || value[4] != '-' || !digits(value, 5, 2) ||
      value[7] != '-' || !digits(value, 8, 2)) {
    return bad("not a date");
  }
  const year_month_day date{year{number_at(value, 0, 4)},
                            month{static_cast<unsigned>(number_at(value, 5, 2))},
                            day{static_cast<unsigned>(number_at(value, 8, 2))}};
  if (!date.ok()) return bad("no such day");
  milliseconds clock{0}, unit = days{1};
  std::size_t at = 10;
  if (at < value.size() && (value[at] == 'T' || value[at] == 't' || value[at] == ' ')) {
    if (!digits(value, at + 1, 2) || at + 3 >= value.size() || value[at + 3] != ':' ||
        !digits(value, at + 4, 2)) {
      return bad("the time must be HH:MM or HH:MM:SS");
    }
    const int hour = number_at(value, at + 1, 2), minute = number_at(value, at + 4, 2);
    if (hour > 23 || minute > 59) return bad("no such time of day");
    clock = hours{hour} + minutes{minute};
    unit = minutes{1};
    at += 6;
    if (at < value.size() && value[at] == ':') {
      if (!digits(value, at + 1, 2) || number_at(value, at + 1, 2) > 59) {
        return bad("seconds must be 00..59");
      }
      clock += seconds{number_at(value, at + 1, 2)};
      unit = seconds{1};
      at += 3;
      if (at < value.size() && value[at] == '.') {
        std::size_t end = at + 1;
        while (end < value.size() && std::isdigit(static_cast<unsigned char>(value[end]))) ++end;
        if (end == at + 1) return bad("a fraction of a second needs digits");
        std::string fraction = value.substr(at + 1, 3);
        while (fraction.size() < 3) fraction += '0';
        clock += milliseconds{std::stoi(fraction)};
        unit = milliseconds{1};
        at = end;
      }
    }
  }
  catalog::TimeBound bound;
  bound.local = !utc;
  milliseconds offset{0};
  const std::string zone = value.substr(at);
  if (zone == "Z" || zone == "z") {
    bound.local = false;
  } else if (!zone.empty()) {
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || !digits(zone, 1, 2) ||
        zone[3] != ':' || !digits(zone, 4, 2)) {
      return bad("unexpected \"" + zone + "\" after the time");
    }
    if (at == 10) return bad("a UTC offset needs a time of day");
    const int minutes_east = number_at(zone, 1, 2) * 60 + number_at(zone, 4, 2);
    if (minutes_east > 18 * 60) return bad("UTC offsets stay within ±18:00");
    offset = minutes{zone[0] == '-' ? -minutes_east : minutes_east};
    bound.local = false;
  }
  const milliseconds since_epoch = sys_days{date}.time_since_epoch() + clock - offset;
  bound.milliseconds = (since_epoch + (upper ? unit : milliseconds{0})).count();
  return bound;
}

Result<std::pair<double, double>> parse_position(const std::string& text) {
  const auto parts = split(text, ',');
  if (parts.size() != 2) {
    return invalid(
        fmt::format("--near \"{}\": write LAT,LON in decimal degrees, e.g. 47.37,8.54", text));
  }
  auto latitude = parse_number(parts[0]), longitude = parse_number(parts[1]);
  if (!latitude || !longitude) {
    return invalid(
        fmt::format("--near \"{}\": LAT and LON must be decimal degrees, e.g. 47.37,8.54", text));
  }
  if (std::abs(*latitude) > 90) {
    return invalid(
        fmt::format("--near: latitude {} is out of range; latitudes lie in -90..90 "
                    "(did you swap LAT and LON? the order is LAT,LON)",
                    trim(parts[0])));
  }
  if (std::abs(*longitude) > 180) {
    return invalid(fmt::format("--near: longitude {} is out of range; longitudes lie in -180..180",
                               trim(parts[1])));
  }
  return std::pair{*latitude, *longitude};
}

Result<double> parse_distance_metres(const std::string& text) {
  const std::string value = trim(text);
  std::size_t split_at = value.size();
  while (split_at > 0 && std::isalpha(static_cast<unsigned char>(value[split_at - 1]))) {
    --split_at;
  }
  const std::string unit = value.substr(split_at);
  auto number = parse_number(value.substr(0, split_at));
  if (!number) {
    return invalid(fmt::format("--radius \"{}\": write a distance such as 500m, 5km or 3mi", text));
  }
  double factor = 0;
  if (unit == "m") factor = 1;
  if (unit == "km") factor = 1000;
  if (unit == "mi") factor = 1609.344;
  if (unit == "nmi") factor = 1852;
  if (unit == "ft") factor = 0.3048;
  if (unit.empty()) {
    return invalid(
        fmt::format("--radius \"{}\": give a unit: m, km, mi, nmi or ft (e.g. 5km)", text));
  }
  if (factor == 0) {
    return invalid(
        fmt::format("--radius \"{}\": unknown unit \"{}\"; use m, km, mi, nmi or ft", text, unit));
  }
  if (*number <= 0) return invalid(fmt::format("--radius \"{}\" must be more than 0", text));
  return *number * factor;
}

Result<catalog::GeoBox> parse_bbox(const std::string& text) {
  const auto parts = split(text, ',');
  const auto usage = fmt::format(
      "--bbox \"{}\": write W,S,E,N in decimal degrees (west and east longitude, south and north "
      "latitude), e.g. 8.4,47.3,8.7,47.5",
      text);
  if (parts.size() != 4) return invalid(usage);
  double values[4];
  for (int i = 0; i < 4; ++i) {
    auto number = parse_number(parts[i]);
    if (!number) return invalid(usage);
    values[i] = *number;
  }
  catalog::GeoBox box{values[0], values[1], values[2], values[3]};
  for (double latitude : {box.south, box.north}) {
    if (std::abs(latitude) > 90) {
      return invalid(
          fmt::format("--bbox: latitude {} is out of range; latitudes lie in -90..90 "
                      "(the order is W,S,E,N)",
                      latitude));
    }
  }
  for (double longitude : {box.west, box.east}) {
    if (std::abs(longitude) > 180) {
      return invalid(fmt::format(
          "--bbox: longitude {} is out of range; longitudes lie in -180..180", longitude));
    }
  }
  if (box.south > box.north) {
    return invalid(fmt::format("--bbox: south {} is north of north {}; the order is W,S,E,N",
                               box.south, box.north));
  }
  return box;  // west > east: the box crosses the antimeridian
}

Result<std::chrono::seconds> parse_duration(const std::string& flag, const std::string& text) {
  const std::string value = trim(text);
  std::size_t split_at = value.size();
  while (split_at > 0 && std::isalpha(static_cast<unsigned char>(value[split_at - 1]))) {
    --split_at;
  }
  const std::string unit = value.substr(split_at);
  auto number = parse_number(value.substr(0, split_at));
  const std::int64_t factor = unit.empty() || unit == "s" ? 1
                              : unit == "m"               ? 60
                              : unit == "h"               ? 3600
                              : unit == "d"               ? 86400
                                                          : 0;
  if (!number || factor == 0 || *number <= 0) {
    return invalid(
        fmt::format("{} \"{}\": write a duration such as 90s, 30m, 1h or 7d", flag, text));
  }
  const auto seconds = std::chrono::seconds(static_cast<std::int64_t>(*number * factor));
  if (seconds.count() < 1) return invalid(fmt::format("{} \"{}\" is under a second", flag, text));
  return seconds;
}

Result<std::chrono::seconds> parse_expiry(const std::string& text) {
  auto seconds = parse_duration("--expires", text);
  if (seconds.ok() && *seconds > std::chrono::hours(24 * 7)) {
    return invalid(fmt::format("--expires \"{}\": presigned URLs live at most 7 days (7d)", text));
  }
  return seconds;
}

Result<catalog::SearchQuery> make_search_query(const SearchArguments& arguments) {
  catalog::SearchQuery query;
  if (!arguments.since.empty()) {
    auto from = parse_time_bound("--since", arguments.since, false, arguments.utc);
    if (!from.ok()) return from.take_error();
    query.from = *from;
  }
  if (!arguments.until.empty()) {
    auto until = parse_time_bound("--until", arguments.until, true, arguments.utc);
    if (!until.ok()) return until.take_error();
    query.until = *until;
  }
  if (query.from && query.until && query.until->milliseconds <= query.from->milliseconds) {
    return invalid(fmt::format("--until {} is before --since {}: nothing can match; swap them?",
                               arguments.until, arguments.since));
  }
  if (!arguments.bbox.empty()) {
    auto box = parse_bbox(arguments.bbox);
    if (!box.ok()) return box.take_error();
    query.box = *box;
  }
  if (!arguments.near.empty() || !arguments.radius.empty()) {
    if (arguments.near.empty()) return invalid("--radius needs --near LAT,LON");
    if (arguments.radius.empty()) {
      return invalid("--near needs --radius, e.g. --near 47.37,8.54 --radius 5km");
    }
    auto position = parse_position(arguments.near);
    if (!position.ok()) return position.take_error();
    auto radius = parse_distance_metres(arguments.radius);
    if (!radius.ok()) return radius.take_error();
    query.near = catalog::GeoCircle{position->first, position->second, *radius};
  }
  query.camera = trim(arguments.camera);
  for (const auto& tag : arguments.tags) {
    if (!trim(tag).empty()) query.tags.push_back(trim(tag));
  }
  if (arguments.kind == "raw")
    query.kind = catalog::KindFilter::kRaw;
  else if (arguments.kind == "enhanced")
    query.kind = catalog::KindFilter::kEnhanced;
  else if (!arguments.kind.empty()) {
    return invalid(fmt::format("--kind \"{}\": use raw or enhanced", arguments.kind));
  }
  if (arguments.has_gps && arguments.no_gps)
    return invalid("--has-gps and --no-gps exclude each other");
  if (arguments.has_gps) query.has_gps = true;
  if (arguments.no_gps) query.has_gps = false;
  if (arguments.no_gps && (query.box || query.near)) {
    return invalid("--no-gps with --bbox or --near matches nothing: drop one of them");
  }
  if (arguments.sort.empty() || arguments.sort == "time") {
    query.sort = catalog::SortOrder::kTime;
  } else if (arguments.sort == "-time") {
    query.sort = catalog::SortOrder::kTimeDescending;
  } else if (arguments.sort == "distance") {
    if (!query.near) return invalid("--sort distance needs --near LAT,LON --radius R");
    query.sort = catalog::SortOrder::kDistance;
  } else {
    return invalid(fmt::format("--sort \"{}\": use time, -time or distance", arguments.sort));
  }
  if (arguments.limit < 0) return invalid("--limit must be 1 or more");
  if (arguments.limit > 0) query.limit = arguments.limit;
  return query;
}

}  // namespace imgsync::app
