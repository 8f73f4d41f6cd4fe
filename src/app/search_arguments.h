// What a person types for `imgsync search`, read into a catalog::SearchQuery. Every mistake is a
// kInvalidInput error naming the flag, the value and what would be accepted.
//
// Times: "2026-05-01", "2026-05-01T14:30", "2026-05-01T14:30:15[.250]" ('T' or a space) are the
// capture's local wall clock, unless `utc` is set; a trailing "Z" or "+02:00" makes any of them a
// UTC instant. An upper bound includes the whole unit written: --until 2026-05-31 ends at midnight
// after May 31st, --until 2026-05-31T12:00 at 12:01.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "catalog/search_index.h"
#include "util/result.h"

namespace imgsync::app {

struct SearchArguments {
  std::string since, until;  // as typed (--since, --until)
  bool utc = false;          // times without a zone are UTC rather than local
  std::string bbox;          // "W,S,E,N"
  std::string near;          // "LAT,LON"
  std::string radius;        // "5km"
  std::string camera;
  std::vector<std::string> tags;
  std::string kind;  // "", "raw", "enhanced"
  bool has_gps = false, no_gps = false;
  std::string sort;        // "", "time", "-time", "distance"
  std::int64_t limit = 0;  // 0: no limit
};

Result<catalog::SearchQuery> make_search_query(const SearchArguments& arguments);

// The pieces, for reuse and tests.
Result<catalog::TimeBound> parse_time_bound(const std::string& flag, const std::string& text,
                                            bool upper, bool utc);
Result<std::pair<double, double>> parse_position(const std::string& text);  // latitude, longitude
Result<double> parse_distance_metres(const std::string& text);              // "5km", "300m"
Result<catalog::GeoBox> parse_bbox(const std::string& text);
// "1h", "30m", "7d", "90s" or seconds (at least one); errors name `flag`.
Result<std::chrono::seconds> parse_duration(const std::string& flag, const std::string& text);
// A duration as above; S3 presigned URLs live at most 7 days.
Result<std::chrono::seconds> parse_expiry(const std::string& text);

// "a,b,,c" split at each separator: {"a", "b", "", "c"}.
std::vector<std::string> split(const std::string& text, char separator);

}  // namespace imgsync::app
