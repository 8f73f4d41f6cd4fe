// The SQL of SearchIndex::search (internal to catalog/): the statement of a whole search, the
// exact conditions of a query on one items row, the R*Tree's prefilter, and the reading of a hit.
// search_query.cpp decides which way a query is answered; search_time_page.cpp answers a place
// with a page in time order from these parts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "catalog/item_query.h"
#include "catalog/sqlite_database.h"
#include "util/result.h"

namespace imgsync::catalog {

// The polygons of SearchQuery::within, handed to imgsync_within() as an SQLite pointer of this
// type (register_within_function reads it).
inline constexpr const char* kPolygonsType = "imgsync_polygons";
struct PolygonsParameter {
  const std::vector<GeoPolygon>* polygons;
};

// SQL text with its values in order: each '?' takes the next one.
class SqlBuilder {
 public:
  using Parameter = std::variant<std::int64_t, double, std::string, PolygonsParameter>;
  template <typename... Values>
  void add(std::string_view sql, Values... values) {
    text_ += sql;
    (parameters_.emplace_back(Parameter(values)), ...);
  }
  const std::string& text() const { return text_; }
  std::size_t parameter_count() const { return parameters_.size(); }
  void bind(Statement& statement) const;

 private:
  std::string text_;
  std::vector<Parameter> parameters_;
};

// The boxes the R*Tree is asked for: those covering the query's place; none without a place.
std::vector<GeoBox> prefilter_boxes(const SearchQuery& query);

// The time window, and the cursor of a page in time order, as bounds on the tree's third
// dimension (appended to the conditions on one box).
void add_tree_window(SqlBuilder& sql, const SearchQuery& query);

// Every condition of the query, each checked exactly on the items row `i` (joined with its
// cameras row `c`), as " AND ..." terms. spatial: the R*Tree drives the query (the time and
// camera indexes must not).
void add_conditions(SqlBuilder& sql, const SearchQuery& query, bool spatial);

// The columns read_hit() reads, of `i` and `c`, without the distance.
inline constexpr const char* kHitColumns =
    "i.id, i.item_key, i.raw_key, i.enhanced_key, i.thumbnail_key, i.latitude, i.longitude, "
    "i.altitude, i.utc_start_ms, i.utc_end_ms, i.local_ms, i.utc_offset_minutes, c.make, c.model, "
    "i.bytes, i.item_json";
// A hit from a row of kHitColumns followed by the distance (NULL without `near`).
SearchHit read_hit(const Statement& row);

// The whole search in one statement: the place prefilter (through `boxes`, from
// prefilter_boxes) or the time and tag indexes find the candidates, every condition is checked,
// the query's order and limit applied; then only the rows kept are read whole.
SqlBuilder search_sql(const SearchQuery& query, const std::vector<GeoBox>& boxes);
Result<std::vector<SearchHit>> run_search(Database& database, const SqlBuilder& sql);

// A place with a page in time order (search_time_page.cpp): the same hits as search_sql()'s,
// read only as far as the page needs. `boxes` not empty, query.limit positive.
Result<std::vector<SearchHit>> search_page_in_time_order(Database& database,
                                                         const SearchQuery& query,
                                                         const std::vector<GeoBox>& boxes);

}  // namespace imgsync::catalog
