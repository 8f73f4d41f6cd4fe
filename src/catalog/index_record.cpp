// Reading a STAC Item into the row the index keeps (catalog/item_query.h), apart from the index
// itself (search_index.cpp) so that the PostgreSQL catalog reads Items the same way.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "catalog/item_query.h"
#include "util/time_format.h"

namespace imgsync::catalog {
namespace {

using json = nlohmann::json;

constexpr std::int64_t kMillisPerSecond = 1000;

std::optional<std::int64_t> parse_instant_ms(const std::string& text) {
  auto parsed = parse_iso8601(text);
  if (!parsed.ok()) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(parsed->time_since_epoch()).count();
}

std::optional<int> parse_offset(const std::string& text) {
  int hours = 0, minutes = 0;
  char sign = 0;
  if (std::sscanf(text.c_str(), "%c%2d:%2d", &sign, &hours, &minutes) != 3) return std::nullopt;
  if (sign != '+' && sign != '-') return std::nullopt;
  return (sign == '-' ? -1 : 1) * (hours * 60 + minutes);
}

std::string string_field(const json& object, const char* key) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

std::optional<double> number_at(const json& array, std::size_t index) {
  if (!array.is_array() || index >= array.size() || !array[index].is_number()) return std::nullopt;
  const double value = array[index].get<double>();
  return std::isfinite(value) ? std::optional(value) : std::nullopt;
}

}  // namespace

double haversine_metres(double latitude1, double longitude1, double latitude2, double longitude2) {
  constexpr double kRadians = M_PI / 180.0;
  const double phi1 = latitude1 * kRadians, phi2 = latitude2 * kRadians;
  const double dphi = (latitude2 - latitude1) * kRadians;
  const double dlambda = (longitude2 - longitude1) * kRadians;
  const double a = std::sin(dphi / 2) * std::sin(dphi / 2) +
                   std::cos(phi1) * std::cos(phi2) * std::sin(dlambda / 2) * std::sin(dlambda / 2);
  return 2 * kEarthRadiusMetres * std::asin(std::min(1.0, std::sqrt(a)));
}

std::string resolve_href(const std::string& item_key, const std::string& href) {
  if (href.empty() || href.find("://") != std::string::npos || href.front() == '/') return {};
  std::vector<std::string> segments;
  std::size_t start = 0;
  const std::string folder = item_key.substr(0, item_key.rfind('/') + 1);
  const std::string joined = folder + href;
  while (start <= joined.size()) {
    std::size_t end = joined.find('/', start);
    if (end == std::string::npos) end = joined.size();
    const std::string segment = joined.substr(start, end - start);
    if (segment == "..") {
      if (segments.empty()) return {};
      segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string key;
  for (const auto& segment : segments) key += (key.empty() ? "" : "/") + segment;
  return key;
}

Result<IndexRecord> index_record_from_item(const json& item, const std::string& item_key) {
  auto invalid = [&](const std::string& what) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("Item {}: {}; it cannot be indexed", item_key, what));
  };
  if (!item.is_object() || !item.contains("id") || !item["id"].is_string()) {
    return invalid("no string \"id\"");
  }
  const json empty = json::object();
  const json& properties =
      item.contains("properties") && item["properties"].is_object() ? item["properties"] : empty;
  IndexRecord record;
  record.id = item["id"].get<std::string>();
  record.item_key = item_key;

  const std::string datetime = string_field(properties, "datetime");
  if (!datetime.empty()) {
    auto instant = parse_instant_ms(datetime);
    if (!instant) return invalid("unreadable datetime \"" + datetime + "\"");
    record.utc_start_ms = record.utc_end_ms = *instant;
  } else {
    auto start = parse_instant_ms(string_field(properties, "start_datetime"));
    auto end = parse_instant_ms(string_field(properties, "end_datetime"));
    if (!start || !end) return invalid("neither datetime nor start_datetime/end_datetime");
    record.utc_start_ms = *start;
    record.utc_end_ms = *end;
  }
  const std::string local = string_field(properties, "imgsync:local_datetime");
  auto local_ms = local.empty() ? std::nullopt : parse_instant_ms(local + "Z");
  record.utc_offset_minutes = parse_offset(string_field(properties, "imgsync:utc_offset"));
  if (local_ms) {
    record.local_ms = *local_ms;
  } else if (record.utc_offset_minutes && record.utc_start_ms == record.utc_end_ms) {
    record.local_ms = record.utc_start_ms + *record.utc_offset_minutes * 60 * kMillisPerSecond;
  } else {  // a foreign Item: its local time is unknown; the middle of its interval
    record.local_ms = record.utc_start_ms + (record.utc_end_ms - record.utc_start_ms) / 2;
  }

  if (item.contains("geometry") && item["geometry"].is_object() &&
      string_field(item["geometry"], "type") == "Point") {
    const json& coordinates = item["geometry"]["coordinates"];
    auto longitude = number_at(coordinates, 0), latitude = number_at(coordinates, 1);
    if (longitude && latitude && std::abs(*latitude) <= 90 && std::abs(*longitude) <= 180) {
      record.latitude = latitude;
      record.longitude = longitude;
      record.altitude = number_at(coordinates, 2);
    }
  }
  record.make = string_field(properties, "imgsync:make");
  if (record.make.empty()) record.make = string_field(properties, "platform");
  record.model = string_field(properties, "imgsync:model");
  if (record.model.empty() && properties.contains("instruments") &&
      properties["instruments"].is_array() && !properties["instruments"].empty() &&
      properties["instruments"][0].is_string()) {
    record.model = properties["instruments"][0].get<std::string>();
  }
  record.lens = string_field(properties, "imgsync:lens");
  record.created = string_field(properties, "created");
  for (const char* key : {"imgsync:width", "imgsync:height"}) {
    auto found = properties.find(key);
    if (found != properties.end() && found->is_number_integer()) {
      (key[8] == 'w' ? record.width : record.height) = found->get<std::int64_t>();
    }
  }
  if (properties.contains("imgsync:orientation") &&
      properties["imgsync:orientation"].is_number_integer()) {
    record.orientation = properties["imgsync:orientation"].get<int>();
  }
  for (const char* key : {"imgsync:tags", "keywords"}) {
    auto found = properties.find(key);
    if (found == properties.end() || !found->is_array()) continue;
    for (const auto& tag : *found) {
      if (tag.is_string() &&
          std::find(record.tags.begin(), record.tags.end(), tag) == record.tags.end()) {
        record.tags.push_back(tag.get<std::string>());
      }
    }
  }
  if (item.contains("assets") && item["assets"].is_object()) {
    for (const auto& [slot, asset] : item["assets"].items()) {
      if (!asset.is_object()) continue;
      const std::string key = resolve_href(item_key, string_field(asset, "href"));
      if (slot == "raw") record.raw_key = key;
      if (slot == "enhanced") record.enhanced_key = key;
      if (slot == "thumbnail") record.thumbnail_key = key;
      auto size = asset.find("file:size");
      if (size != asset.end() && size->is_number_unsigned()) {
        record.bytes += size->get<std::uint64_t>();
      }
    }
  }
  return record;
}

std::optional<std::int64_t> item_updated_ms(const json& item) {
  if (!item.is_object() || !item.contains("properties") || !item["properties"].is_object()) {
    return std::nullopt;
  }
  return parse_instant_ms(string_field(item["properties"], "updated"));
}

}  // namespace imgsync::catalog
