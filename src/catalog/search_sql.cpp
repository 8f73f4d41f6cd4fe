// The SQL of a search: a place constraint drives it through the R*Tree (with the time window as
// the tree's third dimension); without one, the time indexes (or the camera and tag tables) do.
// Every condition is then checked exactly on the items row.
#include "catalog/search_sql.h"

#include "catalog/search_index.h"

namespace imgsync::catalog {
namespace {

std::string like_pattern(const std::string& text) {
  std::string pattern = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  return pattern + "%";
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

void add_time_conditions(SqlBuilder& sql, const SearchQuery& query, bool spatial) {
  // With the R*Tree driving, a unary + keeps the planner off the time indexes.
  const std::string column_prefix = spatial ? "+i." : "i.";
  if (query.from) {
    if (query.from->local) {
      sql.add(" AND " + column_prefix + "local_ms >= ?", query.from->milliseconds);
    } else {
      sql.add(" AND " + column_prefix + "utc_start_ms >= ?", query.from->milliseconds);
    }
  }
  if (query.until) {
    if (query.until->local) {
      sql.add(" AND " + column_prefix + "local_ms < ?", query.until->milliseconds);
    } else {  // start <= end, so the start bound lets the index narrow the scan
      sql.add(" AND i.utc_end_ms < ? AND " + column_prefix + "utc_start_ms < ?",
              query.until->milliseconds, query.until->milliseconds);
    }
  }
}

}  // namespace

void SqlBuilder::bind(Statement& statement) const {
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    std::visit(
        [&](const auto& value) {
          if constexpr (std::is_same_v<std::decay_t<decltype(value)>, PolygonsParameter>) {
            statement.bind_pointer(index, value.polygons, kPolygonsType);
          } else {
            statement.bind(index, value);
          }
        },
        parameters_[i]);
  }
}

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

void add_conditions(SqlBuilder& sql, const SearchQuery& query, bool spatial) {
  add_time_conditions(sql, query, spatial);
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
    sql.add(" AND imgsync_within(i.latitude, i.longitude, ?)", PolygonsParameter{&query.within});
  }
  if (!query.ids.empty()) {
    sql.add(" AND i.id IN (");
    for (std::size_t i = 0; i < query.ids.size(); ++i) sql.add(i == 0 ? "?" : ", ?", query.ids[i]);
    sql.add(")");
  }
  if (query.after) add_cursor(sql, query.sort, *query.after);
  add_tag_and_camera_filters(sql, query, spatial);
}

SqlBuilder search_sql(const SearchQuery& query, const std::vector<GeoBox>& boxes) {
  // Two steps: the inner query filters, orders and limits small rows (rowid, order keys); only
  // the rows it keeps are then read whole (Item JSON included), so sorting never moves JSON.
  SqlBuilder sql;
  sql.add(std::string("SELECT ") + kHitColumns +
          ", top.distance FROM (SELECT i.rowid AS row, i.sort_ms AS sort_ms, i.id AS id, ");
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
    }
    sql.add(")");
  }
  add_conditions(sql, query, spatial);
  sql.add(std::string(" ORDER BY ") + order_by(query.sort, ""));
  if (query.limit) sql.add(" LIMIT ?", *query.limit);
  sql.add(std::string(") top JOIN items i ON i.rowid = top.row JOIN cameras c ON c.id = i.camera "
                      "ORDER BY ") +
          order_by(query.sort, "top."));
  return sql;
}

SearchHit read_hit(const Statement& row) {
  auto optional_real = [&](int column_index) {
    return row.is_null(column_index) ? std::nullopt : std::optional(row.real(column_index));
  };
  SearchHit hit;
  hit.id = row.text(0);
  hit.item_key = row.text(1);
  hit.raw_key = row.text(2);
  hit.enhanced_key = row.text(3);
  hit.thumbnail_key = row.text(4);
  hit.latitude = optional_real(5);
  hit.longitude = optional_real(6);
  hit.altitude = optional_real(7);
  hit.utc_start_ms = row.integer(8);
  hit.utc_end_ms = row.integer(9);
  hit.local_ms = row.integer(10);
  if (!row.is_null(11)) hit.utc_offset_minutes = static_cast<int>(row.integer(11));
  hit.make = row.text(12);
  hit.model = row.text(13);
  hit.bytes = static_cast<std::uint64_t>(row.integer(14));
  hit.item_json = row.text(15);
  hit.distance_metres = optional_real(16);
  return hit;
}

Result<std::vector<SearchHit>> run_search(Database& database, const SqlBuilder& sql) {
  auto statement = database.prepare(sql.text());
  if (!statement.ok()) return statement.take_error();
  sql.bind(*statement);
  std::vector<SearchHit> hits;
  while (true) {
    auto row = statement->step();
    if (!row.ok()) return row.take_error();
    if (!*row) break;
    hits.push_back(read_hit(*statement));
  }
  return hits;
}

}  // namespace imgsync::catalog
