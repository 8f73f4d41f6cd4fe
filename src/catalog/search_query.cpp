// SearchIndex::search: one SQL statement per query. A place constraint drives the query through
// the R*Tree (with the time window as its third dimension); without one, the time indexes (or
// the camera and tag tables) do. Every condition is then checked exactly on the items row.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <variant>

#include "catalog/search_index.h"

namespace imgsync::catalog {
namespace {

// Slack around prefilter boxes, in degrees (about 1 cm): rounding must never lose a point.
constexpr double kMarginDegrees = 1e-7;
constexpr double kDegrees = 180.0 / M_PI;

using Parameter = std::variant<std::int64_t, double, std::string>;

class SqlBuilder {
 public:
  // Appends `sql` where each '?' takes the next value.
  template <typename... Values>
  void add(std::string_view sql, Values... values) {
    text_ += sql;
    (parameters_.emplace_back(Parameter(values)), ...);
  }
  std::string& text() { return text_; }
  void bind(Statement& statement) const {
    for (std::size_t i = 0; i < parameters_.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      std::visit([&](const auto& value) { statement.bind(index, value); }, parameters_[i]);
    }
  }

 private:
  std::string text_;
  std::vector<Parameter> parameters_;
};

std::string like_pattern(const std::string& text) {
  std::string pattern = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  return pattern + "%";
}

std::int64_t floor_seconds(std::int64_t milliseconds) {
  return milliseconds >= 0 ? milliseconds / 1000 : -((-milliseconds + 999) / 1000);
}

}  // namespace

std::vector<GeoBox> split_at_antimeridian(const GeoBox& box) {
  if (box.west <= box.east) return {box};
  return {{box.west, box.south, 180, box.north}, {-180, box.south, box.east, box.north}};
}

std::vector<GeoBox> covering_boxes(const GeoCircle& circle) {
  const double angle = circle.radius_metres / kEarthRadiusMetres;  // radians
  if (angle >= M_PI) return {{-180, -90, 180, 90}};
  const double south = circle.latitude - angle * kDegrees - kMarginDegrees;
  const double north = circle.latitude + angle * kDegrees + kMarginDegrees;
  // Around a pole the circle spans every longitude.
  if (north >= 90) return {{-180, std::max(-90.0, south), 180, 90}};
  if (south <= -90) return {{-180, -90, 180, north}};
  // The widest longitude extent is at the tangent latitude, not at the centre's.
  const double ratio = std::sin(angle) / std::cos(circle.latitude / kDegrees);
  if (ratio >= 1) return {{-180, south, 180, north}};
  const double half_width = std::asin(ratio) * kDegrees + kMarginDegrees;
  double west = circle.longitude - half_width, east = circle.longitude + half_width;
  if (east - west >= 360) return {{-180, south, 180, north}};
  if (west < -180) west += 360;
  if (east > 180) east -= 360;
  return split_at_antimeridian({west, south, east, north});
}

Result<std::vector<SearchHit>> SearchIndex::search(const SearchQuery& query) {
  if (query.sort == SortOrder::kDistance && !query.near) {
    return make_error(ErrorCategory::kInvalidInput, "sorting by distance needs --near");
  }
  // Two steps: the inner query filters, orders and limits small rows (rowid, order keys); only
  // the rows it keeps are then read whole (Item JSON included), so sorting never moves JSON.
  SqlBuilder sql;
  sql.add(
      "SELECT i.id, i.item_key, i.raw_key, i.enhanced_key, i.thumbnail_key, i.latitude, "
      "i.longitude, i.altitude, i.utc_start_ms, i.utc_end_ms, i.local_ms, i.utc_offset_minutes, "
      "c.make, c.model, i.bytes, i.item_json, top.distance FROM (SELECT i.rowid AS row, "
      "i.sort_ms AS sort_ms, i.id AS id, ");
  if (query.near) {
    sql.add("imgsync_distance(i.latitude, i.longitude, ?, ?)", query.near->latitude,
            query.near->longitude);
  } else {
    sql.add("NULL");
  }
  sql.add(" AS distance FROM items i WHERE 1");

  // The place prefilter, with the time window as the tree's third dimension.
  std::vector<GeoBox> boxes;
  if (query.near) {
    boxes = covering_boxes(*query.near);
  } else if (query.box) {
    boxes = split_at_antimeridian(*query.box);
  }
  const bool spatial = !boxes.empty();
  if (spatial) {
    sql.add(" AND i.rowid IN (");
    for (std::size_t i = 0; i < boxes.size(); ++i) {
      const GeoBox& box = boxes[i];
      sql.add(i == 0 ? "" : " UNION ALL ");
      sql.add(
          "SELECT id FROM positions WHERE max_latitude >= ? AND min_latitude <= ? AND "
          "max_longitude >= ? AND min_longitude <= ?",
          box.south, box.north, box.west, box.east);
      if (query.from) {
        sql.add(" AND max_time >= ?",
                static_cast<double>(floor_seconds(query.from->milliseconds) - 1) * kRtreeTimeScale);
      }
      if (query.until) {
        sql.add(
            " AND min_time <= ?",
            static_cast<double>(floor_seconds(query.until->milliseconds) + 1) * kRtreeTimeScale);
      }
    }
    sql.add(")");
  }
  // With the R*Tree driving, a unary + keeps the planner off the time indexes.
  const char* column_prefix = spatial ? "+i." : "i.";
  auto column = [&](const char* name) { return std::string(column_prefix) + name; };
  if (query.from) {
    if (query.from->local) {
      sql.add(" AND " + column("local_ms") + " >= ?", query.from->milliseconds);
    } else {
      sql.add(" AND " + column("utc_start_ms") + " >= ?", query.from->milliseconds);
    }
  }
  if (query.until) {
    if (query.until->local) {
      sql.add(" AND " + column("local_ms") + " < ?", query.until->milliseconds);
    } else {  // start <= end, so the start bound lets the index narrow the scan
      sql.add(" AND i.utc_end_ms < ? AND " + column("utc_start_ms") + " < ?",
              query.until->milliseconds, query.until->milliseconds);
    }
  }
  if (query.box) {
    sql.add(" AND i.latitude BETWEEN ? AND ?", query.box->south, query.box->north);
    if (query.box->west <= query.box->east) {
      sql.add(" AND i.longitude BETWEEN ? AND ?", query.box->west, query.box->east);
    } else {
      sql.add(" AND (i.longitude >= ? OR i.longitude <= ?)", query.box->west, query.box->east);
    }
  }
  if (query.near) {
    sql.add(" AND imgsync_distance(i.latitude, i.longitude, ?, ?) <= ?", query.near->latitude,
            query.near->longitude, query.near->radius_metres);
  }
  // Without statistics the planner would let a common tag or camera drive the query; the place
  // and the time are the selective parts, so those drive when given, then the first tag.
  const bool time_drives = !spatial && (query.from || query.until);
  for (std::size_t i = 0; i < query.tags.size(); ++i) {
    if (i == 0 && !spatial && !time_drives) {
      sql.add(" AND i.rowid IN (SELECT item FROM tags WHERE tag = ?)", query.tags[i]);
    } else {
      sql.add(" AND EXISTS (SELECT 1 FROM tags t WHERE t.tag = ? AND t.item = i.rowid)",
              query.tags[i]);
    }
  }
  if (!query.camera.empty()) {
    const std::string pattern = like_pattern(query.camera);
    sql.add(spatial || time_drives || !query.tags.empty() ? " AND +i.camera IN "
                                                          : " AND i.camera IN ");
    sql.add(
        "(SELECT id FROM cameras WHERE make LIKE ? ESCAPE '\\' OR model LIKE ? ESCAPE '\\' OR "
        "(make || ' ' || model) LIKE ? ESCAPE '\\')",
        pattern, pattern, pattern);
  }
  if (query.kind == KindFilter::kRaw) sql.add(" AND i.raw_key != ''");
  if (query.kind == KindFilter::kEnhanced) sql.add(" AND i.enhanced_key != ''");
  if (query.has_gps)
    sql.add(*query.has_gps ? " AND i.latitude IS NOT NULL" : " AND i.latitude IS NULL");
  const char* order = query.sort == SortOrder::kTime             ? "sort_ms, id"
                      : query.sort == SortOrder::kTimeDescending ? "sort_ms DESC, id DESC"
                                                                 : "distance, id";
  sql.add(std::string(" ORDER BY ") + order);
  if (query.limit) sql.add(" LIMIT ?", *query.limit);
  sql.add(std::string(") top JOIN items i ON i.rowid = top.row JOIN cameras c ON c.id = i.camera "
                      "ORDER BY top.") +
          (query.sort == SortOrder::kDistance ? "distance, top.id"
           : query.sort == SortOrder::kTime   ? "sort_ms, top.id"
                                              : "sort_ms DESC, top.id DESC"));

  auto statement = database_.prepare(sql.text());
  if (!statement.ok()) return statement.take_error();
  sql.bind(*statement);
  std::vector<SearchHit> hits;
  auto optional_real = [&](int column_index) {
    return statement->is_null(column_index) ? std::nullopt
                                            : std::optional(statement->real(column_index));
  };
  while (true) {
    auto row = statement->step();
    if (!row.ok()) return row.take_error();
    if (!*row) break;
    SearchHit hit;
    hit.id = statement->text(0);
    hit.item_key = statement->text(1);
    hit.raw_key = statement->text(2);
    hit.enhanced_key = statement->text(3);
    hit.thumbnail_key = statement->text(4);
    hit.latitude = optional_real(5);
    hit.longitude = optional_real(6);
    hit.altitude = optional_real(7);
    hit.utc_start_ms = statement->integer(8);
    hit.utc_end_ms = statement->integer(9);
    hit.local_ms = statement->integer(10);
    if (!statement->is_null(11)) hit.utc_offset_minutes = static_cast<int>(statement->integer(11));
    hit.make = statement->text(12);
    hit.model = statement->text(13);
    hit.bytes = static_cast<std::uint64_t>(statement->integer(14));
    hit.item_json = statement->text(15);
    hit.distance_metres = optional_real(16);
    hits.push_back(std::move(hit));
  }
  return hits;
}

}  // namespace imgsync::catalog
