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
constexpr const char* kPolygonsType = "imgsync_polygons";
constexpr double kDegrees = 180.0 / M_PI;

// The polygons of SearchQuery::within, handed to imgsync_within() as an SQLite pointer.
struct Polygons {
  const std::vector<GeoPolygon>* polygons;
};
using Parameter = std::variant<std::int64_t, double, std::string, Polygons>;

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
      std::visit(
          [&](const auto& value) {
            if constexpr (std::is_same_v<std::decay_t<decltype(value)>, Polygons>) {
              statement.bind_pointer(index, value.polygons, kPolygonsType);
            } else {
              statement.bind(index, value);
            }
          },
          parameters_[i]);
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

// The bounding box of a polygon's outer ring.
GeoBox bounding_box(const GeoPolygon& polygon) {
  GeoBox box{.west = 180, .south = 90, .east = -180, .north = -90};
  if (polygon.rings.empty()) return box;
  for (const auto& [longitude, latitude] : polygon.rings.front()) {
    box.west = std::min(box.west, longitude - kMarginDegrees);
    box.east = std::max(box.east, longitude + kMarginDegrees);
    box.south = std::min(box.south, latitude - kMarginDegrees);
    box.north = std::max(box.north, latitude + kMarginDegrees);
  }
  return box;
}

// Ray casting; a point on an edge is inside.
bool ring_contains(const std::vector<std::pair<double, double>>& ring, double x, double y) {
  bool inside = false;
  const std::size_t n = ring.size();
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
    const auto [xi, yi] = ring[i];
    const auto [xj, yj] = ring[j];
    const double cross = (xj - xi) * (y - yi) - (yj - yi) * (x - xi);
    if (cross == 0 && std::min(xi, xj) <= x && x <= std::max(xi, xj) && std::min(yi, yj) <= y &&
        y <= std::max(yi, yj)) {
      return true;  // on the edge
    }
    if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

std::string order_by(SortOrder sort, const std::string& table) {
  switch (sort) {
    case SortOrder::kTime:
      return table + "sort_ms, " + table + "id";
    case SortOrder::kTimeDescending:
      return table + "sort_ms DESC, " + table + "id DESC";
    case SortOrder::kDistance:
      return table + "distance, " + table + "id";
    case SortOrder::kId:
      return table + "id";
    case SortOrder::kIdDescending:
      return table + "id DESC";
  }
  return table + "id";
}

// Strictly after the cursor in the sort order.
void add_cursor(SqlBuilder& sql, SortOrder sort, const PageCursor& after) {
  switch (sort) {
    case SortOrder::kTime:
      sql.add(" AND (i.sort_ms > ? OR (i.sort_ms = ? AND i.id > ?))", after.sort_ms, after.sort_ms,
              after.id);
      break;
    case SortOrder::kTimeDescending:
      sql.add(" AND (i.sort_ms < ? OR (i.sort_ms = ? AND i.id < ?))", after.sort_ms, after.sort_ms,
              after.id);
      break;
    case SortOrder::kId:
      sql.add(" AND i.id > ?", after.id);
      break;
    case SortOrder::kIdDescending:
      sql.add(" AND i.id < ?", after.id);
      break;
    case SortOrder::kDistance:
      break;
  }
}

std::int64_t floor_seconds(std::int64_t milliseconds) {
  return milliseconds >= 0 ? milliseconds / 1000 : -((-milliseconds + 999) / 1000);
}

// A cut of the time order, for a broad place sorted by time with a limit: only the tree's
// candidates whose time span reaches before `tree` (after it, descending) are checked, and only
// Items whose sort_ms is before `sort_ms` (at or after it, descending) kept. Every Item before the
// cut is then found, so when at least a page is, that page is the whole query's first page.
struct TimeCut {
  bool descending = false;
  double tree = 0;           // in the tree's time unit
  std::int64_t sort_ms = 0;  // a second inside `tree` (see cut_at)
};

// The place prefilter's boxes: none without a place.
std::vector<GeoBox> prefilter_boxes(const SearchQuery& query) {
  std::vector<GeoBox> boxes;
  if (query.near) {
    boxes = covering_boxes(*query.near);
  } else if (query.box) {
    boxes = split_at_antimeridian(*query.box);
  } else {
    for (const auto& polygon : query.within) boxes.push_back(bounding_box(polygon));
  }
  return boxes;
}

// The time window, and the cursor of a page in time order, as bounds on the tree's third
// dimension (for one box of the prefilter).
void add_tree_window(SqlBuilder& sql, const SearchQuery& query) {
  if (query.after && query.sort == SortOrder::kTime) {
    sql.add(" AND max_time >= ?",
            static_cast<double>(floor_seconds(query.after->sort_ms) - 1) * kRtreeTimeScale);
  }
  if (query.after && query.sort == SortOrder::kTimeDescending) {
    sql.add(" AND min_time <= ?",
            static_cast<double>(floor_seconds(query.after->sort_ms) + 1) * kRtreeTimeScale);
  }
  if (query.from) {
    sql.add(" AND max_time >= ?",
            static_cast<double>(floor_seconds(query.from->milliseconds) - 1) * kRtreeTimeScale);
  }
  if (query.until) {
    sql.add(" AND min_time <= ?",
            static_cast<double>(floor_seconds(query.until->milliseconds) + 1) * kRtreeTimeScale);
  }
}

}  // namespace

bool polygon_contains(const GeoPolygon& polygon, double longitude, double latitude) {
  if (polygon.rings.empty() || polygon.rings.front().size() < 3) return false;
  if (!ring_contains(polygon.rings.front(), longitude, latitude)) return false;
  for (std::size_t i = 1; i < polygon.rings.size(); ++i) {
    // A point on a hole's edge is on the polygon's boundary, so inside.
    if (polygon.rings[i].size() >= 3 && ring_contains(polygon.rings[i], longitude, latitude)) {
      bool on_edge = false;
      const auto& hole = polygon.rings[i];
      for (std::size_t k = 0, j = hole.size() - 1; k < hole.size() && !on_edge; j = k++) {
        on_edge = ring_contains({hole[j], hole[k], hole[j]}, longitude, latitude);
      }
      if (!on_edge) return false;
    }
  }
  return true;
}

void register_within_function(sqlite3* database) {
  sqlite3_create_function(
      database, "imgsync_within", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
      [](sqlite3_context* context, int, sqlite3_value** values) {
        const auto* polygons = static_cast<const std::vector<GeoPolygon>*>(
            sqlite3_value_pointer(values[2], kPolygonsType));
        if (polygons == nullptr || sqlite3_value_type(values[0]) == SQLITE_NULL ||
            sqlite3_value_type(values[1]) == SQLITE_NULL) {
          return sqlite3_result_int(context, 0);
        }
        const double latitude = sqlite3_value_double(values[0]);
        const double longitude = sqlite3_value_double(values[1]);
        for (const auto& polygon : *polygons) {
          if (polygon_contains(polygon, longitude, latitude)) return sqlite3_result_int(context, 1);
        }
        sqlite3_result_int(context, 0);
      },
      nullptr, nullptr);
}

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

namespace {

// The tag, camera, kind and GPS conditions. Without statistics the planner would let a common
// tag or camera drive the query; the place and the time are the selective parts, so those drive
// when given, then the first tag.
void add_tag_and_camera_filters(SqlBuilder& sql, const SearchQuery& query, bool spatial) {
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
}

// The statement of a search: the place prefilter through `boxes` (prefilter_boxes), then every
// condition checked exactly; with a cut, only the part of the time order before it.
SqlBuilder search_sql(const SearchQuery& query, const std::vector<GeoBox>& boxes,
                      const std::optional<TimeCut>& cut) {
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
  const bool spatial = !boxes.empty();
  // The tree's candidates are checked on items_filter, which holds every column the common
  // conditions read: a broad place costs an index entry per candidate, not a row with its JSON.
  sql.add(spatial ? " AS distance FROM items i INDEXED BY items_filter WHERE 1"
                  : " AS distance FROM items i WHERE 1");
  if (spatial) {
    sql.add(" AND i.rowid IN (");
    for (std::size_t i = 0; i < boxes.size(); ++i) {
      const GeoBox& box = boxes[i];
      sql.add(i == 0 ? "" : " UNION ALL ");
      sql.add(
          "SELECT id FROM positions WHERE max_latitude >= ? AND min_latitude <= ? AND "
          "max_longitude >= ? AND min_longitude <= ?",
          box.south, box.north, box.west, box.east);
      add_tree_window(sql, query);
      if (cut) sql.add(cut->descending ? " AND max_time >= ?" : " AND min_time <= ?", cut->tree);
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
  if (!query.within.empty()) {
    sql.add(" AND imgsync_within(i.latitude, i.longitude, ?)", Polygons{&query.within});
  }
  if (!query.ids.empty()) {
    sql.add(" AND i.id IN (");
    for (std::size_t i = 0; i < query.ids.size(); ++i) sql.add(i == 0 ? "?" : ", ?", query.ids[i]);
    sql.add(")");
  }
  if (query.after) add_cursor(sql, query.sort, *query.after);
  if (cut) {
    sql.add(cut->descending ? " AND +i.sort_ms >= ?" : " AND +i.sort_ms < ?", cut->sort_ms);
  }
  add_tag_and_camera_filters(sql, query, spatial);
  sql.add(std::string(" ORDER BY ") + order_by(query.sort, ""));
  if (query.limit) sql.add(" LIMIT ?", *query.limit);
  sql.add(std::string(") top JOIN items i ON i.rowid = top.row JOIN cameras c ON c.id = i.camera "
                      "ORDER BY ") +
          order_by(query.sort, "top."));

  return sql;
}

Result<std::vector<SearchHit>> run_search(Database& database, SqlBuilder sql) {
  auto statement = database.prepare(sql.text());
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

// The tree's time bound of every candidate of the place prefilter (min_time; max_time when
// descending), read from the tree alone, in the query's time order.
Result<std::vector<double>> candidate_times(Database& database, const SearchQuery& query,
                                            const std::vector<GeoBox>& boxes, bool descending) {
  SqlBuilder sql;
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    sql.add(i == 0 ? "" : " UNION ALL ");
    sql.add(descending ? "SELECT max_time" : "SELECT min_time");
    sql.add(
        " FROM positions WHERE max_latitude >= ? AND min_latitude <= ? AND max_longitude >= ? "
        "AND min_longitude <= ?",
        boxes[i].south, boxes[i].north, boxes[i].west, boxes[i].east);
    add_tree_window(sql, query);
  }
  auto statement = database.prepare(sql.text());
  if (!statement.ok()) return statement.take_error();
  sql.bind(*statement);
  std::vector<double> times;
  while (true) {
    auto row = statement->step();
    if (!row.ok()) return row.take_error();
    if (!*row) break;
    times.push_back(statement->real(0));
  }
  if (descending) {
    std::sort(times.begin(), times.end(), std::greater<>());
  } else {
    std::sort(times.begin(), times.end());
  }
  return times;
}

// The cut through the `count`-th candidate in time order. A stored span reaches at least a
// second beyond its Item's sort_ms (insert() pads it, and the tree rounds outwards), so an Item
// whose sort_ms is a whole second inside `tree` has a span that reaches it.
TimeCut cut_at(const std::vector<double>& times, std::size_t count, bool descending) {
  const double seconds = times[count - 1] / kRtreeTimeScale;
  const auto whole =
      static_cast<std::int64_t>(descending ? std::ceil(seconds) : std::floor(seconds));
  return TimeCut{.descending = descending,
                 .tree = times[count - 1],
                 .sort_ms = (descending ? whole + 1 : whole - 1) * 1000};
}

}  // namespace

// A broad place with a page sorted by time: rather than check and sort every candidate, check
// those before a cut of the time order through 1.5 pages' worth of candidates; when fewer than a
// page pass, cut further by the rate that passed (at most a few passes), and at last check all.
Result<std::vector<SearchHit>> SearchIndex::search(const SearchQuery& query) {
  if (query.sort == SortOrder::kDistance && !query.near) {
    return make_error(ErrorCategory::kInvalidInput, "sorting by distance needs --near");
  }
  if (query.sort == SortOrder::kDistance && query.after) {
    return make_error(ErrorCategory::kInvalidInput, "pages sorted by distance cannot be resumed");
  }
  const std::vector<GeoBox> boxes = prefilter_boxes(query);
  const bool by_time = query.sort == SortOrder::kTime || query.sort == SortOrder::kTimeDescending;
  if (boxes.empty() || !by_time || !query.limit || *query.limit <= 0) {
    return run_search(database_, search_sql(query, boxes, std::nullopt));
  }
  const bool descending = query.sort == SortOrder::kTimeDescending;
  auto times = candidate_times(database_, query, boxes, descending);
  if (!times.ok()) return times.take_error();
  const auto page = static_cast<std::size_t>(*query.limit);
  for (std::size_t count = page + page / 2; count < times->size();) {
    auto hits = run_search(database_, search_sql(query, boxes, cut_at(*times, count, descending)));
    if (!hits.ok() || hits->size() >= page) return hits;
    // Too few passed: cut where, at the rate that passed, 1.5 pages would (at least twice as
    // far); none passed: check them all.
    count = hits->empty() ? times->size()
                          : std::max(2 * count, count * (page + page / 2) / hits->size());
  }
  return run_search(database_, search_sql(query, boxes, std::nullopt));
}

}  // namespace imgsync::catalog
