#include "api/search_request.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cmath>

#include "app/search_arguments.h"
#include "util/time_format.h"

namespace imgsync::api {
namespace {

using app::split;
using catalog::SortOrder;
using nlohmann::json;

Error invalid(const std::string& message) {
  return make_error(ErrorCategory::kInvalidInput, message);
}

Result<double> parse_number(const std::string& text, const char* what) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    return invalid(fmt::format("{}: \"{}\" is not a number", what, text));
  }
  return value;
}

Result<catalog::GeoBox> make_box(const std::vector<double>& numbers) {
  if (numbers.size() != 4 && numbers.size() != 6) {
    return invalid(
        fmt::format("bbox has {} numbers; expected 4 (west,south,east,north) or 6 (with heights)",
                    numbers.size()));
  }
  const std::size_t half = numbers.size() / 2;
  const catalog::GeoBox box{
      .west = numbers[0], .south = numbers[1], .east = numbers[half], .north = numbers[half + 1]};
  for (double longitude : {box.west, box.east}) {
    if (std::abs(longitude) > 180) {
      return invalid(fmt::format("bbox longitude {} is outside -180..180", longitude));
    }
  }
  for (double latitude : {box.south, box.north}) {
    if (std::abs(latitude) > 90) {
      return invalid(fmt::format("bbox latitude {} is outside -90..90", latitude));
    }
  }
  if (box.south > box.north) {
    return invalid(
        fmt::format("bbox south {} is north of its north {}; the order is "
                    "west,south,east,north",
                    box.south, box.north));
  }
  return box;  // west > east: crosses the antimeridian
}

Result<std::int64_t> parse_instant(const std::string& text) {
  auto parsed = parse_iso8601(text);
  if (!parsed.ok() || text.find('T') == std::string::npos) {
    return invalid(fmt::format(
        "datetime \"{}\" is not an RFC 3339 date-time such as 2026-05-01T12:00:00Z", text));
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(parsed->time_since_epoch()).count();
}

// Both ends inclusive; "" and ".." leave an end open.
Status apply_datetime(const std::string& text, catalog::SearchQuery& query) {
  const std::vector<std::string> ends = split(text, '/');
  if (ends.size() > 2) return invalid(fmt::format("datetime \"{}\" has more than one '/'", text));
  const bool interval = ends.size() == 2;
  auto open = [](const std::string& end) { return end.empty() || end == ".."; };
  if (!interval && open(ends[0])) {
    return invalid("datetime is empty; give an instant or an interval START/END");
  }
  if (interval && open(ends[0]) && open(ends[1])) {
    return invalid("datetime \"" + text + "\" is open at both ends; leave datetime out instead");
  }
  std::optional<std::int64_t> from, to;
  if (!open(ends[0])) {
    auto start = parse_instant(ends[0]);
    if (!start.ok()) return start.error();
    from = *start;
  }
  const std::string& last = interval ? ends[1] : ends[0];
  if (!open(last)) {
    auto end = parse_instant(last);
    if (!end.ok()) return end.error();
    to = *end;
  }
  if (from && to && *from > *to) {
    return invalid(fmt::format("datetime \"{}\" ends before it starts", text));
  }
  if (from) query.from = catalog::TimeBound{.milliseconds = *from};
  if (to) query.until = catalog::TimeBound{.milliseconds = *to + 1};  // inclusive end
  return {};
}

Status apply_limit(std::int64_t limit, catalog::SearchQuery& query) {
  if (limit < 1) {
    return invalid(fmt::format("limit {} is below 1; give 1 to {}", limit, kMaxLimit));
  }
  query.limit = std::min(limit, kMaxLimit);
  return {};
}

Result<SortOrder> sort_key(std::string field, bool descending) {
  if (field.starts_with("properties.")) field = field.substr(11);
  if (field == "datetime") return descending ? SortOrder::kTimeDescending : SortOrder::kTime;
  if (field == "id") return descending ? SortOrder::kIdDescending : SortOrder::kId;
  return invalid(fmt::format(
      "sortby field \"{}\" is not sortable here; use properties.datetime or id", field));
}

// (field, descending) pairs, most significant first.
Status apply_sortby(const std::vector<std::pair<std::string, bool>>& keys,
                    catalog::SearchQuery& query) {
  if (keys.empty()) return {};
  auto first = sort_key(keys[0].first, keys[0].second);
  if (!first.ok()) return first.error();
  query.sort = *first;
  for (std::size_t i = 1; i < keys.size(); ++i) {
    auto next = sort_key(keys[i].first, keys[i].second);
    if (!next.ok()) return next.error();
    const bool tie_break =
        (*first == SortOrder::kTime && *next == SortOrder::kId) ||
        (*first == SortOrder::kTimeDescending && *next == SortOrder::kIdDescending);
    if (!tie_break || i > 1) {
      return invalid("sortby: after properties.datetime only id in the same direction may follow");
    }
  }
  return {};
}

Result<std::vector<std::pair<double, double>>> read_ring(const json& ring) {
  if (!ring.is_array() || ring.size() < 3) {
    return invalid("intersects: a polygon ring needs at least 3 positions");
  }
  std::vector<std::pair<double, double>> points;
  for (const auto& position : ring) {
    if (!position.is_array() || position.size() < 2 || !position[0].is_number() ||
        !position[1].is_number()) {
      return invalid("intersects: a position is [longitude, latitude]");
    }
    points.emplace_back(position[0].get<double>(), position[1].get<double>());
  }
  return points;
}

Result<catalog::GeoPolygon> read_polygon(const json& rings) {
  if (!rings.is_array() || rings.empty()) {
    return invalid("intersects: a Polygon's coordinates are an array of rings");
  }
  catalog::GeoPolygon polygon;
  for (const auto& ring : rings) {
    auto points = read_ring(ring);
    if (!points.ok()) return points.take_error();
    polygon.rings.push_back(std::move(*points));
  }
  return polygon;
}

Status apply_intersects(const json& geometry, catalog::SearchQuery& query) {
  const std::string type =
      geometry.is_object() && geometry.contains("type") && geometry["type"].is_string()
          ? geometry["type"].get<std::string>()
          : "";
  const json coordinates =
      geometry.is_object() && geometry.contains("coordinates") ? geometry["coordinates"] : json();
  if (type == "Point") {
    if (!coordinates.is_array() || coordinates.size() < 2 || !coordinates[0].is_number() ||
        !coordinates[1].is_number()) {
      return invalid("intersects: a Point's coordinates are [longitude, latitude]");
    }
    const double longitude = coordinates[0].get<double>(), latitude = coordinates[1].get<double>();
    query.box =
        catalog::GeoBox{.west = longitude, .south = latitude, .east = longitude, .north = latitude};
    return {};
  }
  if (type == "Polygon") {
    auto polygon = read_polygon(coordinates);
    if (!polygon.ok()) return polygon.error();
    query.within.push_back(std::move(*polygon));
    return {};
  }
  if (type == "MultiPolygon" && coordinates.is_array() && !coordinates.empty()) {
    for (const auto& rings : coordinates) {
      auto polygon = read_polygon(rings);
      if (!polygon.ok()) return polygon.error();
      query.within.push_back(std::move(*polygon));
    }
    return {};
  }
  return invalid(
      fmt::format("intersects: geometry type \"{}\" is not supported; use a Point, "
                  "Polygon or MultiPolygon",
                  type));
}

Result<std::vector<std::string>> string_list(const json& value, const char* what) {
  if (!value.is_array()) return invalid(fmt::format("{} must be an array of strings", what));
  std::vector<std::string> list;
  for (const auto& entry : value) {
    if (!entry.is_string()) return invalid(fmt::format("{} must be an array of strings", what));
    list.push_back(entry.get<std::string>());
  }
  return list;
}

}  // namespace

std::string encode_token(const catalog::PageCursor& cursor) {
  return fmt::format("{}:{}", cursor.sort_ms, cursor.id);
}

Result<catalog::PageCursor> decode_token(const std::string& token) {
  const std::size_t colon = token.find(':');
  catalog::PageCursor cursor;
  if (colon != std::string::npos) {
    const auto [end, error] = std::from_chars(token.data(), token.data() + colon, cursor.sort_ms);
    if (error == std::errc() && end == token.data() + colon && colon + 1 < token.size()) {
      cursor.id = token.substr(colon + 1);
      return cursor;
    }
  }
  return invalid("token \"" + token +
                 "\" is not one this server wrote; follow the next link as is");
}

// Search extensions this server does not implement (its /conformance names none of them). A
// request that uses one is refused rather than answered unfiltered: a client that believed its
// filter applied would take every Item for a match.
Status refuse_unsupported(const std::string& name) {
  if (name == "filter" || name == "filter-lang" || name == "filter-crs") {
    return invalid(fmt::format(
        "{}: the CQL2 filter extension is not supported by this server (see /conformance); "
        "search with bbox, intersects, datetime, ids, collections and sortby",
        name));
  }
  if (name == "query") {
    return invalid(
        "query: the query extension is not supported by this server (see /conformance); search "
        "with bbox, intersects, datetime, ids, collections and sortby");
  }
  return {};
}

Result<ItemSearch> search_from_parameters(const QueryParameters& parameters) {
  ItemSearch search;
  search.query.limit = kDefaultLimit;
  for (const auto& [name, value] : parameters) {
    if (Status supported = refuse_unsupported(name); !supported.ok()) return supported.error();
    Status applied;
    if (name == "bbox") {
      std::vector<double> numbers;
      for (const auto& part : split(value, ',')) {
        auto number = parse_number(part, "bbox");
        if (!number.ok()) return number.take_error();
        numbers.push_back(*number);
      }
      auto box = make_box(numbers);
      if (!box.ok()) return box.take_error();
      search.query.box = *box;
    } else if (name == "datetime") {
      applied = apply_datetime(value, search.query);
    } else if (name == "limit") {
      std::int64_t limit = 0;
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (value.empty() || error != std::errc() || end != value.data() + value.size()) {
        return invalid(
            fmt::format("limit \"{}\" is not a whole number; give 1 to {}", value, kMaxLimit));
      }
      applied = apply_limit(limit, search.query);
    } else if (name == "ids") {
      search.query.ids = split(value, ',');
    } else if (name == "collections") {
      search.collections = split(value, ',');
    } else if (name == "intersects") {
      const json geometry = json::parse(value, nullptr, false);
      if (geometry.is_discarded()) return invalid("intersects is not GeoJSON text");
      applied = apply_intersects(geometry, search.query);
    } else if (name == "sortby") {
      std::vector<std::pair<std::string, bool>> keys;
      for (std::string field : split(value, ',')) {
        const bool descending = field.starts_with('-');
        if (field.starts_with('-') || field.starts_with('+') || field.starts_with(' ')) {
          field = field.substr(1);  // a '+' arrives as ' ' when the client did not encode it
        }
        keys.emplace_back(field, descending);
      }
      applied = apply_sortby(keys, search.query);
    } else if (name == "token") {
      auto cursor = decode_token(value);
      if (!cursor.ok()) return cursor.take_error();
      search.query.after = *cursor;
    } else if (name == "fields") {
      auto fields = fields_from_text(value);
      if (!fields.ok()) return fields.take_error();
      search.fields = std::move(*fields);
    }  // other parameters are ignored, as OGC API - Features allows
    if (!applied.ok()) return applied.error();
  }
  if (search.query.box && !search.query.within.empty()) {
    return invalid("give bbox or intersects, not both");
  }
  return search;
}

Result<ItemSearch> search_from_body(const json& body) {
  if (!body.is_object()) return invalid("the POST /search body must be a JSON object");
  ItemSearch search;
  search.query.limit = kDefaultLimit;
  Status applied;
  for (const auto& [name, value] : body.items()) {
    if (Status supported = refuse_unsupported(name); !supported.ok()) return supported.error();
    if (name == "bbox") {
      if (!value.is_array()) return invalid("bbox must be an array of 4 or 6 numbers");
      std::vector<double> numbers;
      for (const auto& number : value) {
        if (!number.is_number()) return invalid("bbox must be an array of 4 or 6 numbers");
        numbers.push_back(number.get<double>());
      }
      auto box = make_box(numbers);
      if (!box.ok()) return box.take_error();
      search.query.box = *box;
    } else if (name == "datetime") {
      if (!value.is_string()) return invalid("datetime must be a string");
      applied = apply_datetime(value.get<std::string>(), search.query);
    } else if (name == "limit") {
      if (!value.is_number_integer()) {
        return invalid(fmt::format("limit must be a whole number from 1 to {}", kMaxLimit));
      }
      applied = apply_limit(value.get<std::int64_t>(), search.query);
    } else if (name == "ids" || name == "collections") {
      auto list = string_list(value, name.c_str());
      if (!list.ok()) return list.take_error();
      (name == "ids" ? search.query.ids : search.collections) = std::move(*list);
    } else if (name == "intersects") {
      applied = apply_intersects(value, search.query);
    } else if (name == "sortby") {
      std::vector<std::pair<std::string, bool>> keys;
      if (!value.is_array()) return invalid("sortby must be an array of {field, direction}");
      for (const auto& key : value) {
        if (!key.is_object() || !key.contains("field") || !key["field"].is_string()) {
          return invalid("sortby must be an array of {field, direction}");
        }
        const std::string direction = key.value("direction", "asc");
        if (direction != "asc" && direction != "desc") {
          return invalid("sortby direction \"" + direction + "\" is neither asc nor desc");
        }
        keys.emplace_back(key["field"].get<std::string>(), direction == "desc");
      }
      applied = apply_sortby(keys, search.query);
    } else if (name == "token") {
      if (!value.is_string()) return invalid("token must be a string");
      auto cursor = decode_token(value.get<std::string>());
      if (!cursor.ok()) return cursor.take_error();
      search.query.after = *cursor;
    } else if (name == "fields") {
      auto fields = fields_from_json(value);
      if (!fields.ok()) return fields.take_error();
      search.fields = std::move(*fields);
    }
    if (!applied.ok()) return applied.error();
  }
  if (search.query.box && !search.query.within.empty()) {
    return invalid("give bbox or intersects, not both");
  }
  return search;
}

}  // namespace imgsync::api
