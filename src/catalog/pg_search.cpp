// PgItemIndex::search's SQL: the semantics of SearchIndex::search (catalog/item_query.h) in one
// statement. The place prefilter is an index: the place's 1° cells on items_cell, or a GiST
// (geom && box, one box per side of the antimeridian); every condition is then checked exactly
// on the row's own numbers, with the same haversine as the SQLite index, so both backends
// answer alike.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <type_traits>

#include "catalog/pg_item_index.h"

namespace imgsync::catalog {
namespace {

constexpr const char* kColumns =
    "SELECT i.id, i.item_key, i.raw_key, i.enhanced_key, i.thumbnail_key, i.latitude, "
    "i.longitude, i.altitude, i.utc_start_ms, i.utc_end_ms, i.local_ms, i.utc_offset_minutes, "
    "i.make, i.model, i.bytes, i.item_json, ";

// Appends `sql` where each '?' takes the next parameter.
class PgBuilder {
 public:
  explicit PgBuilder(PgParams& params) : params_(params) {}
  template <typename... Values>
  PgBuilder& add(std::string_view sql, const Values&... values) {
    std::size_t next = 0;
    (
        [&](const auto& value) {
          const std::size_t mark = sql.find('?', next);
          text_ += sql.substr(next, mark - next);
          text_ += params_.next();
          if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::vector<std::string>>) {
            params_.add_array(value);
          } else {
            params_.add(value);
          }
          next = mark + 1;
        }(values),
        ...);
    text_ += sql.substr(next);
    return *this;
  }
  std::string& text() { return text_; }

 private:
  PgParams& params_;
  std::string text_;
};

std::string polygon_wkt(const GeoPolygon& polygon) {
  std::string wkt = "POLYGON(";
  for (std::size_t r = 0; r < polygon.rings.size(); ++r) {
    auto ring = polygon.rings[r];
    if (ring.size() < 3) continue;
    if (ring.front() != ring.back()) ring.push_back(ring.front());
    wkt += r == 0 ? "(" : ",(";
    for (std::size_t i = 0; i < ring.size(); ++i) {
      wkt += fmt::format("{}{:.17g} {:.17g}", i == 0 ? "" : ",", ring[i].first, ring[i].second);
    }
    wkt += ")";
  }
  return wkt + ")";
}

// The place's prefilter: the GiSTs on geometry (the N-D one with a time window), items_place
// (the position as a point, the time columns included, which an index-only scan answers without
// reading the rows), or none (items_cell's cells are the caller's).
enum class Prefilter { kGeometry, kPoint, kNone };

void add_place(PgBuilder& sql, const SearchQuery& query, const PgTimeWindow& window,
               Prefilter prefilter) {
  std::vector<GeoBox> boxes;
  if (prefilter != Prefilter::kNone && query.near) boxes = covering_boxes(*query.near);
  if (prefilter != Prefilter::kNone && !query.near && query.box) {
    boxes = split_at_antimeridian(*query.box);
  }
  const bool on_index = prefilter == Prefilter::kPoint;
  // With a time window, place and time prefilter together (one walk of the N-D index). An
  // Item's span holds its sort time, so a part of the time order narrows the walk too.
  const bool timed = query.from || query.until || window.narrow;
  double earliest = query.from ? pg_span_days(query.from->milliseconds, -1) : -1e7;
  double latest = query.until ? pg_span_days(query.until->milliseconds, +1) : 1e7;
  if (window.from_ms) earliest = std::max(earliest, pg_span_days(*window.from_ms, -1));
  if (window.until_ms) latest = std::min(latest, pg_span_days(*window.until_ms, +1));
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    sql.add(i == 0 ? " AND (" : " OR ");
    if (on_index) {
      sql.add(
          "point(i.longitude, i.latitude) <@ box(point(?::float8, ?::float8), point(?::float8, "
          "?::float8))",
          boxes[i].west, boxes[i].south, boxes[i].east, boxes[i].north);
    } else if (timed) {
      sql.add(
          "i.span &&& ST_MakeLine(ST_MakePoint(?, ?, ?), ST_MakePoint(?::float8, ?::float8, "
          "?::float8))",
          boxes[i].west, boxes[i].south, earliest, boxes[i].east, boxes[i].north, latest);
    } else {
      sql.add("i.geom && ST_MakeEnvelope(?, ?, ?, ?, 4326)", boxes[i].west, boxes[i].south,
              boxes[i].east, boxes[i].north);
    }
  }
  if (!boxes.empty()) sql.add(")");
  if (query.box) {
    sql.add(" AND i.latitude BETWEEN ? AND ?", query.box->south, query.box->north);
    if (query.box->west <= query.box->east) {
      sql.add(" AND i.longitude BETWEEN ? AND ?", query.box->west, query.box->east);
    } else {
      sql.add(" AND (i.longitude >= ? OR i.longitude <= ?)", query.box->west, query.box->east);
    }
  }
  if (query.near) {
    sql.add(" AND imgsync.haversine(i.latitude, i.longitude, ?::float8, ?::float8) <= ?",
            query.near->latitude, query.near->longitude, query.near->radius_metres);
  }
  bool first = true;
  for (const auto& polygon : query.within) {
    if (polygon.rings.empty() || polygon.rings.front().size() < 3) continue;
    sql.add(first ? " AND (" : " OR ");
    sql.add("ST_Intersects(i.geom, ST_GeomFromText(?, 4326))", polygon_wkt(polygon));
    first = false;
  }
  if (!first) sql.add(")");
  if (first && !query.within.empty()) sql.add(" AND false");  // only degenerate polygons
}

void add_time(PgBuilder& sql, const SearchQuery& query) {
  if (query.from) {
    sql.add(query.from->local ? " AND i.local_ms >= ?" : " AND i.utc_start_ms >= ?",
            query.from->milliseconds);
  }
  if (query.until) {
    if (query.until->local) {
      sql.add(" AND i.local_ms < ?", query.until->milliseconds);
    } else {
      sql.add(" AND i.utc_end_ms < ? AND i.utc_start_ms < ?", query.until->milliseconds,
              query.until->milliseconds);
    }
  }
}

// The ORDER BY on the columns of `table` (`distance` is the select list's); `shifted`: by time
// as an expression, so that no btree can give the order.
std::string order_by(SortOrder sort, std::string_view table, bool shifted) {
  const std::string_view shift = shifted ? " + interval '0 s'" : "";
  switch (sort) {
    case SortOrder::kTime:
      return fmt::format(" ORDER BY {0}.datetime{1}, {0}.id", table, shift);
    case SortOrder::kTimeDescending:
      return fmt::format(" ORDER BY {0}.datetime{1} DESC, {0}.id DESC", table, shift);
    case SortOrder::kDistance:
      return fmt::format(" ORDER BY distance, {}.id", table);
    case SortOrder::kId:
      return fmt::format(" ORDER BY {}.id", table);
    case SortOrder::kIdDescending:
      return fmt::format(" ORDER BY {}.id DESC", table);
  }
  return "";
}

// `in_part`: a part of the time order (pg_search_cut.cpp) sorts what the GiST found; ordered by
// the plain column, the planner would walk the btree on datetime through the part instead and
// read the row of every Item in it, wherever it is.
void add_cursor(PgBuilder& sql, const SearchQuery& query) {
  if (query.after) {
    const PageCursor& after = *query.after;
    switch (query.sort) {
      case SortOrder::kTime:
        sql.add(" AND (i.datetime, i.id) > (imgsync.ms_time(?::bigint), ?::text)", after.sort_ms,
                after.id);
        break;
      case SortOrder::kTimeDescending:
        sql.add(" AND (i.datetime, i.id) < (imgsync.ms_time(?::bigint), ?::text)", after.sort_ms,
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
}

void add_order(PgBuilder& sql, const SearchQuery& query, bool in_part) {
  add_cursor(sql, query);
  sql.add(order_by(query.sort, "i", in_part));
  if (query.limit) sql.add(" LIMIT ?", *query.limit);
}

void add_distance(PgBuilder& sql, const SearchQuery& query) {
  if (query.near) {
    sql.add("imgsync.haversine(i.latitude, i.longitude, ?::float8, ?::float8) AS distance",
            query.near->latitude, query.near->longitude);
  } else {
    sql.add("NULL::float8 AS distance");
  }
}

// The conditions on the Item's other fields: ids, tags, camera, kind, GPS (of these, a page
// decided on an index has only those the index holds: pg_page_on_index()).
void add_row_filters(PgBuilder& sql, const SearchQuery& query) {
  if (!query.ids.empty()) sql.add(" AND i.id = ANY(?::text[])", query.ids);
  if (!query.tags.empty()) {  // every tag: one array, one GIN lookup
    std::vector<std::string> folded;
    for (const auto& tag : query.tags) folded.push_back(fold_ascii(tag));
    sql.add(" AND i.tags_folded @> ?::text[]", folded);
  }
  if (!query.camera.empty()) sql.add(" AND strpos(i.camera, ?) > 0", fold_ascii(query.camera));
  if (query.kind == KindFilter::kRaw) sql.add(" AND i.raw_key <> ''");
  if (query.kind == KindFilter::kEnhanced) sql.add(" AND i.enhanced_key <> ''");
  if (query.has_gps) {
    sql.add(*query.has_gps ? " AND i.latitude IS NOT NULL" : " AND i.latitude IS NULL");
  }
}

// One statement in two steps: the page's keys (id, datetime, distance, in the page's order)
// decided on an index alone by `keys` (an index-only scan: every candidate's position, times and
// sort key are in the index, so no row is read for a candidate that is not on the page), then
// the page's rows read by their primary key. One statement, so one snapshot: a writer between
// the steps cannot tear the page.
template <typename Keys>
PgSearchStatement page_then_rows(const SearchQuery& query, const std::string& collection,
                                 Keys&& keys) {
  PgSearchStatement statement;
  PgBuilder sql(statement.params);
  sql.add("WITH page AS MATERIALIZED (");
  keys(sql);
  sql.add(") ");
  sql.add(kColumns);
  sql.add(
      "p.distance FROM page p JOIN imgsync.items i ON i.collection = ? AND i.id = p.id AND "
      "i.datetime = p.datetime",
      collection);
  sql.add(order_by(query.sort, "p", /*shifted=*/false));
  statement.sql = std::move(sql.text());
  return statement;
}

// The page decided on items_place for a place, on items_utc or items_local for a time window
// (their camera and tags included).
PgSearchStatement page_on_index(const SearchQuery& query, const std::string& collection) {
  return page_then_rows(query, collection, [&](PgBuilder& sql) {
    sql.add("SELECT i.id, i.datetime, ");
    add_distance(sql, query);
    sql.add(" FROM imgsync.items i WHERE i.collection = ?", collection);
    add_place(sql, query, {}, Prefilter::kPoint);
    add_time(sql, query);
    add_row_filters(sql, query);
    // A place sorted on an expression: on the plain column the planner would walk the datetime
    // btree and read the row of every Item on the way (it cannot tell how few a place holds).
    // A time window's rows it estimates well: there it may walk the btree when the window is
    // long and the page short.
    add_order(sql, query, /*in_part=*/query.box || query.near);
  });
}

constexpr const char* kCell =
    "imgsync.place_cell(i.latitude, i.longitude, i.utc_start_ms, i.utc_end_ms, i.local_ms)";
// Of an Item with cell >= 0, the most its sort time lies from its UTC times and wall clock
// (pg_schema.cpp: imgsync.place_cell).
constexpr std::int64_t kCellSortSlackMs = 2 * 86'400'000;
// More cells than this (a circle hundreds of km wide near a pole): the GiSTs instead.
constexpr std::size_t kMaxCells = 600;

// Whether the 1° cell whose south-west corner is (`south`, `west`) may hold a point of `circle`:
// by the triangle inequality, no point of the cell is nearer the centre than the distance to the
// cell's centre less the cell's reach from its centre (the farther of its corners, widened by
// 1% and a kilometre against rounding).
bool cell_meets(const GeoCircle& circle, int south, int west) {
  const double middle_latitude = south + 0.5, middle_longitude = west + 0.5;
  const double reach =
      std::max(haversine_metres(middle_latitude, middle_longitude, south, west),
               haversine_metres(middle_latitude, middle_longitude, south + 1.0, west)) *
          1.01 +
      1000;
  return haversine_metres(circle.latitude, circle.longitude, middle_latitude, middle_longitude) -
             reach <=
         circle.radius_metres;
}

// The cells of items_cell that hold every position of the place (1° squares: pg_schema.cpp),
// as text for an integer[]; nullopt when more than kMaxCells.
std::optional<std::vector<std::string>> place_cells(const SearchQuery& query) {
  std::vector<GeoBox> boxes;
  if (query.near) boxes = covering_boxes(*query.near);
  if (!query.near && query.box) boxes = split_at_antimeridian(*query.box);
  std::set<int> cells;
  for (const GeoBox& box : boxes) {
    if (!std::isfinite(box.south + box.north + box.west + box.east)) return std::nullopt;
    const int south = static_cast<int>(std::floor(std::clamp(box.south, -90.0, 90.0)));
    const int north = static_cast<int>(std::floor(std::clamp(box.north, -90.0, 90.0)));
    const int west = static_cast<int>(std::floor(std::clamp(box.west, -180.0, 180.0)));
    const int east = static_cast<int>(std::floor(std::clamp(box.east, -180.0, 180.0)));
    if (static_cast<std::size_t>(north - south + 1) * static_cast<std::size_t>(east - west + 1) >
        kMaxCells) {
      return std::nullopt;
    }
    for (int latitude = south; latitude <= north; ++latitude) {
      for (int longitude = west; longitude <= east; ++longitude) {
        if (query.near && !cell_meets(*query.near, latitude, longitude)) continue;
        cells.insert((latitude + 90) * 361 + longitude + 180);
      }
    }
  }
  if (cells.size() > kMaxCells) return std::nullopt;
  std::vector<std::string> text;
  for (int cell : cells) text.push_back(std::to_string(cell));
  return text;
}

// The keys of one part of the page on items_cell: the place's cells (`cells`), where the time
// window narrows the walk of each, or the cell of the Items whose sort time it does not bound
// (nullptr), walked whole.
void add_cell_keys(PgBuilder& sql, const SearchQuery& query, const std::string& collection,
                   const PgTimeWindow& window, const std::vector<std::string>* cells) {
  sql.add("SELECT i.id, i.datetime, ");
  add_distance(sql, query);
  sql.add(" FROM imgsync.items i WHERE i.collection = ?", collection);
  std::optional<std::int64_t> from = window.from_ms, until = window.until_ms;
  if (cells != nullptr) {
    sql.add(fmt::format(" AND {} = ANY(?::integer[])", kCell), *cells);
    if (query.from) {
      const std::int64_t bound = query.from->milliseconds - kCellSortSlackMs;
      from = std::max(from.value_or(bound), bound);
    }
    if (query.until) {
      const std::int64_t bound = query.until->milliseconds + kCellSortSlackMs;
      until = std::min(until.value_or(bound), bound);
    }
  } else {
    sql.add(fmt::format(" AND {} = -1", kCell));
  }
  if (from) sql.add(" AND i.datetime >= imgsync.ms_time(?::bigint)", *from);
  if (until) sql.add(" AND i.datetime < imgsync.ms_time(?::bigint)", *until);
  add_place(sql, query, window, Prefilter::kNone);
  add_time(sql, query);
  add_cursor(sql, query);
}

// A place in time order with a page size or a time window, decided on items_cell.
PgSearchStatement page_on_cells(const SearchQuery& query, const std::string& collection,
                                const PgTimeWindow& window, const std::vector<std::string>& cells) {
  return page_then_rows(query, collection, [&](PgBuilder& sql) {
    sql.add("SELECT u.id, u.datetime, u.distance FROM (");
    add_cell_keys(sql, query, collection, window, &cells);
    sql.add(" UNION ALL ");
    add_cell_keys(sql, query, collection, window, nullptr);
    sql.add(") u");
    sql.add(order_by(query.sort, "u", /*shifted=*/true));
    if (query.limit) sql.add(" LIMIT ?", *query.limit);
  });
}

// Of an Item whose times_apart() is 0, the most its wall clock lies from its UTC times
// (pg_schema.cpp: imgsync.times_apart).
constexpr std::int64_t kTimesApartMs = 2 * 86'400'000;
constexpr const char* kTimesApart = "imgsync.times_apart(i.utc_start_ms, i.utc_end_ms, i.local_ms)";

// The keys of a camera's page on items_camera: the cameras whose folded name holds the query's
// (one index probe a camera, from the first on), then each one's Items in the wall clock's range
// that bounds the window, in two walks: the Items whose times lie within kTimesApartMs of each
// other, where a UTC bound bounds the wall clock too, widened by it; and the others, which only a
// bound on the wall clock bounds.
PgSearchStatement page_on_camera(const SearchQuery& query, const std::string& collection) {
  return page_then_rows(query, collection, [&](PgBuilder& sql) {
    sql.add(
        "WITH RECURSIVE cameras(camera) AS ((SELECT c.camera FROM imgsync.items c WHERE "
        "c.collection = ? ORDER BY c.camera LIMIT 1) UNION ALL SELECT (SELECT c.camera FROM "
        "imgsync.items c WHERE c.collection = ? AND c.camera > cameras.camera ORDER BY c.camera "
        "LIMIT 1) FROM cameras WHERE cameras.camera IS NOT NULL) ",
        collection, collection);
    sql.add("SELECT u.id, u.datetime, u.distance FROM (");
    for (const bool apart : {false, true}) {
      sql.add(apart ? " UNION ALL " : "");
      sql.add(
          "SELECT i.id, i.datetime, NULL::float8 AS distance FROM imgsync.items i WHERE "
          "i.collection = ? AND i.camera = ANY(ARRAY(SELECT m.camera FROM cameras m WHERE "
          "strpos(m.camera, ?) > 0))",
          collection, fold_ascii(query.camera));
      sql.add(fmt::format(" AND {} = {}", kTimesApart, apart ? 1 : 0));
      if (query.from && (query.from->local || !apart)) {
        sql.add(" AND i.local_ms >= ?",
                query.from->milliseconds - (query.from->local ? 0 : kTimesApartMs));
      }
      if (query.until && (query.until->local || !apart)) {
        sql.add(" AND i.local_ms < ?",
                query.until->milliseconds + (query.until->local ? 0 : kTimesApartMs));
      }
      add_time(sql, query);
      add_row_filters(sql, query);
      add_cursor(sql, query);
    }
    sql.add(") u");
    sql.add(order_by(query.sort, "u", /*shifted=*/false));
    if (query.limit) sql.add(" LIMIT ?", *query.limit);
  });
}

}  // namespace

bool pg_page_on_camera(const SearchQuery& query) {
  return !query.camera.empty() && (query.from || query.until) && !query.box && !query.near &&
         query.within.empty() && query.ids.empty() && query.kind == KindFilter::kAny &&
         !query.has_gps && query.sort != SortOrder::kDistance;
}

std::string fold_ascii(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

bool pg_page_on_cells(const SearchQuery& query) {
  const bool by_time = query.sort == SortOrder::kTime || query.sort == SortOrder::kTimeDescending;
  return by_time && (query.box || query.near) && (query.limit || query.from || query.until) &&
         query.within.empty() && query.ids.empty() && query.kind == KindFilter::kAny &&
         query.tags.empty() && query.camera.empty() && (!query.has_gps || *query.has_gps) &&
         place_cells(query).has_value();
}

bool pg_page_on_index(const SearchQuery& query) {
  if (!query.within.empty() || !query.ids.empty() || query.kind != KindFilter::kAny) return false;
  if (query.box || query.near) {  // items_place
    // Only a page in time order (where items_cell does not serve: pg_page_on_cells) or by
    // distance, shorter than what the place holds: with a time window the N-D GiST finds fewer
    // candidates (pg_search_cut.cpp), and a whole place needs every candidate's row anyway.
    const bool by_time = query.sort == SortOrder::kTime || query.sort == SortOrder::kTimeDescending;
    const bool by_distance = query.sort == SortOrder::kDistance && query.near;
    return (by_time || by_distance) && query.limit && !query.from && !query.until &&
           query.tags.empty() && query.camera.empty() && (!query.has_gps || *query.has_gps);
  }
  // items_utc, items_local: a camera or tags keep few of a window's Items; without them, a page
  // in time order keeps a page of them (a day of a large archive holds thousands: 9,000 at
  // 10,000,000 Items), where reading every candidate's row cost 9x the page's reads.
  const bool by_time = query.sort == SortOrder::kTime || query.sort == SortOrder::kTimeDescending;
  return (query.from || query.until) && !query.has_gps &&
         (!query.tags.empty() || !query.camera.empty() || (by_time && query.limit));
}

Result<PgSearchStatement> pg_search_statement(const SearchQuery& query,
                                              const std::string& collection,
                                              const PgTimeWindow& window) {
  if (query.sort == SortOrder::kDistance && !query.near) {
    return make_error(ErrorCategory::kInvalidInput, "sorting by distance needs --near");
  }
  if (query.sort == SortOrder::kDistance && query.after) {
    return make_error(ErrorCategory::kInvalidInput, "pages sorted by distance cannot be resumed");
  }
  if (pg_page_on_cells(query)) {
    return page_on_cells(query, collection, window, *place_cells(query));
  }
  const bool whole = !window.from_ms && !window.until_ms && !window.narrow;
  if (whole && pg_page_on_camera(query)) return page_on_camera(query, collection);
  if (whole && pg_page_on_index(query)) return page_on_index(query, collection);
  PgSearchStatement statement;
  PgBuilder sql(statement.params);
  sql.add(kColumns);
  add_distance(sql, query);
  sql.add(" FROM imgsync.items i WHERE i.collection = ?", collection);
  add_place(sql, query, window, Prefilter::kGeometry);
  add_time(sql, query);
  if (window.from_ms) sql.add(" AND i.datetime >= imgsync.ms_time(?::bigint)", *window.from_ms);
  if (window.until_ms) sql.add(" AND i.datetime < imgsync.ms_time(?::bigint)", *window.until_ms);
  add_row_filters(sql, query);
  add_order(sql, query, window.from_ms || window.until_ms);
  statement.sql = std::move(sql.text());
  return statement;
}

}  // namespace imgsync::catalog
