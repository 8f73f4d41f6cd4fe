// PgItemIndex::search's SQL: the semantics of SearchIndex::search (catalog/item_query.h) in one
// statement. The place prefilter is the GiST index (geom && box, one box per side of the
// antimeridian); every condition is then checked exactly on the row's own numbers, with the
// same haversine as the SQLite index, so both backends answer alike.
#include <fmt/format.h>

#include <algorithm>
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

// `on_index`: the prefilter is items_place (the position as a point, the time columns included),
// which an index-only scan answers without reading the rows.
void add_place(PgBuilder& sql, const SearchQuery& query, const PgTimeWindow& window,
               bool on_index) {
  std::vector<GeoBox> boxes;
  if (query.near) boxes = covering_boxes(*query.near);
  if (!query.near && query.box) boxes = split_at_antimeridian(*query.box);
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
void add_order(PgBuilder& sql, const SearchQuery& query, bool in_part) {
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

// One statement in two steps: the page's keys decided on one index alone (an index-only scan of
// items_place for a place, of items_utc or items_local for a time window: every candidate's
// position, times, camera, tags and sort key are in it, so no row is read for a candidate that
// is not on the page), then the page's rows read by their primary key. One statement, so one
// snapshot: a writer between the steps cannot tear the page.
PgSearchStatement page_on_index(const SearchQuery& query, const std::string& collection) {
  PgSearchStatement statement;
  PgBuilder sql(statement.params);
  sql.add("WITH page AS MATERIALIZED (SELECT i.id, i.datetime, ");
  add_distance(sql, query);
  sql.add(" FROM imgsync.items i WHERE i.collection = ?", collection);
  add_place(sql, query, {}, /*on_index=*/true);
  add_time(sql, query);
  add_row_filters(sql, query);
  // A place sorted on an expression: on the plain column the planner would walk the datetime
  // btree and read the row of every Item on the way (it cannot tell how few a place holds).
  // A time window's rows it estimates well: there it may walk the btree when the window is
  // long and the page short.
  add_order(sql, query, /*in_part=*/query.box || query.near);
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

}  // namespace

std::string fold_ascii(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

bool pg_page_on_index(const SearchQuery& query) {
  if (!query.within.empty() || !query.ids.empty() || query.kind != KindFilter::kAny) return false;
  if (query.box || query.near) {  // items_place
    // Only a page in time order shorter than what the place holds: with a time window the N-D
    // GiST finds fewer candidates (pg_search_cut.cpp), and a whole place, or one in distance
    // order, needs nearly every candidate's row anyway.
    const bool by_time = query.sort == SortOrder::kTime || query.sort == SortOrder::kTimeDescending;
    return by_time && query.limit && !query.from && !query.until && query.tags.empty() &&
           query.camera.empty() && (!query.has_gps || *query.has_gps);
  }
  // items_utc, items_local: a camera or tags keep few of a window's Items; without them, most.
  return (query.from || query.until) && !query.has_gps &&
         (!query.tags.empty() || !query.camera.empty());
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
  const bool whole = !window.from_ms && !window.until_ms && !window.narrow;
  if (whole && pg_page_on_index(query)) return page_on_index(query, collection);
  PgSearchStatement statement;
  PgBuilder sql(statement.params);
  sql.add(kColumns);
  add_distance(sql, query);
  sql.add(" FROM imgsync.items i WHERE i.collection = ?", collection);
  add_place(sql, query, window, /*on_index=*/false);
  add_time(sql, query);
  if (window.from_ms) sql.add(" AND i.datetime >= imgsync.ms_time(?::bigint)", *window.from_ms);
  if (window.until_ms) sql.add(" AND i.datetime < imgsync.ms_time(?::bigint)", *window.until_ms);
  add_row_filters(sql, query);
  add_order(sql, query, window.from_ms || window.until_ms);
  statement.sql = std::move(sql.text());
  return statement;
}

}  // namespace imgsync::catalog
