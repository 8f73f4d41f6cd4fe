// PgItemIndex::search. A place sorted by time with a limit is read part by part of the time
// order: every candidate the GiST finds costs a heap page read before the sort keeps a page of
// them (a site's 50 km box over a year: ~5,800 candidates for a page of 1000; a 500 km circle
// over a site: ~20,000), so the first statement asks only for the part of the time order where,
// spread evenly, 1/16 of the candidates would be, and each next part is sized by the rate of
// hits the parts before found. The place's cells on items_cell (pg_page_on_cells), or else the
// N-D GiST (place and time), walk only that part. The parts
// are disjoint and in order, each answered in full up to what is still needed, so their hits
// in turn are exactly the whole query's page.
#include <algorithm>

#include "catalog/pg_item_index.h"

namespace imgsync::catalog {
namespace {

constexpr std::int64_t kPartDayMs = 86'400'000;
// Parts before the rest of the time order is read in one (each part costs a round trip).
constexpr int kMaxParts = 5;

bool reads_by_parts(const SearchQuery& query) {
  const bool by_time = query.sort == SortOrder::kTime || query.sort == SortOrder::kTimeDescending;
  return by_time && query.limit && *query.limit > 0 && (query.box || query.near) &&
         query.ids.empty();
}

SearchHit hit_from(const PgResult& rows, int row) {
  SearchHit hit;
  hit.id = rows.text(row, 0);
  hit.item_key = rows.text(row, 1);
  hit.raw_key = rows.text(row, 2);
  hit.enhanced_key = rows.text(row, 3);
  hit.thumbnail_key = rows.text(row, 4);
  hit.latitude = rows.optional_real(row, 5);
  hit.longitude = rows.optional_real(row, 6);
  hit.altitude = rows.optional_real(row, 7);
  hit.utc_start_ms = rows.integer(row, 8);
  hit.utc_end_ms = rows.integer(row, 9);
  hit.local_ms = rows.integer(row, 10);
  if (!rows.is_null(row, 11)) hit.utc_offset_minutes = static_cast<int>(rows.integer(row, 11));
  hit.make = rows.text(row, 12);
  hit.model = rows.text(row, 13);
  hit.bytes = static_cast<std::uint64_t>(rows.integer(row, 14));
  hit.item_json = rows.text(row, 15);
  hit.distance_metres = rows.optional_real(row, 16);
  return hit;
}

}  // namespace

Result<std::vector<SearchHit>> PgItemIndex::search_window(const SearchQuery& query,
                                                          const PgTimeWindow& window) {
  auto statement = pg_search_statement(query, options_.collection, window);
  if (!statement.ok()) return statement.take_error();
  auto rows = this->query(statement->sql, statement->params);
  if (!rows.ok()) return rows.take_error();
  std::vector<SearchHit> hits;
  hits.reserve(static_cast<std::size_t>(rows->rows()));
  for (int row = 0; row < rows->rows(); ++row) hits.push_back(hit_from(*rows, row));
  return hits;
}

Result<std::optional<std::pair<std::int64_t, std::int64_t>>> PgItemIndex::time_span() {
  const auto now = std::chrono::steady_clock::now();
  if (time_span_ && now - time_span_read_ < std::chrono::minutes(1)) return time_span_;
  auto ends = query(
      "SELECT (extract(epoch FROM min(datetime)) * 1000)::bigint, (extract(epoch FROM "
      "max(datetime)) * 1000)::bigint FROM imgsync.items WHERE collection = $1",
      PgParams().add(options_.collection));
  if (!ends.ok()) return ends.take_error();
  time_span_.reset();
  if (!ends->is_null(0, 0)) time_span_ = std::pair{ends->integer(0, 0), ends->integer(0, 1)};
  time_span_read_ = now;
  return time_span_;
}

Result<std::vector<SearchHit>> PgItemIndex::search(const SearchQuery& query) {
  // On items_cell: part by part with a page size, each part decided on the index.
  if (pg_page_on_cells(query)) {
    return reads_by_parts(query) ? search_by_parts(query) : search_window(query, {});
  }
  // Decided on the index, the candidates cost no row read: one statement answers it.
  if (!reads_by_parts(query) || pg_page_on_index(query)) return search_window(query, {});
  return search_by_parts(query);
}

Result<std::vector<SearchHit>> PgItemIndex::search_by_parts(const SearchQuery& query) {
  // The span of sort times to read: the query's window (a sort time lies within a day of the
  // capture's UTC and local times), else the collection's first and last (two index probes).
  std::optional<std::int64_t> first, last;
  if (query.from) first = query.from->milliseconds - kPartDayMs;
  if (query.until) last = query.until->milliseconds + kPartDayMs;
  if (!first || !last) {
    auto ends = time_span();
    if (!ends.ok()) return ends.take_error();
    if (!*ends) return search_window(query, {});
    if (!first) first = (*ends)->first;
    if (!last) last = (*ends)->second + 1;
  }
  const bool descending = query.sort == SortOrder::kTimeDescending;
  if (query.after) {
    if (descending) last = std::min(*last, query.after->sort_ms + 1);
    if (!descending) first = std::max(*first, query.after->sort_ms);
  }
  if (*last <= *first) return search_window(query, {});

  std::vector<SearchHit> page;
  const std::int64_t limit = *query.limit;
  std::int64_t edge = descending ? *last : *first;  // where the next part starts
  double part_ms = std::max<double>(static_cast<double>(*last - *first) / 16, 60'000);
  for (int part = 1;; ++part) {
    const auto reach = static_cast<std::int64_t>(part_ms);
    const bool final =
        part == kMaxParts || (descending ? edge - reach <= *first : edge + reach >= *last);
    // The first part is open towards the query's start, the final one towards its end.
    PgTimeWindow window;
    window.narrow = !final;
    if (descending) {
      if (part > 1) window.until_ms = edge;
      if (!final) window.from_ms = edge - reach;
    } else {
      if (part > 1) window.from_ms = edge;
      if (!final) window.until_ms = edge + reach;
    }
    SearchQuery rest = query;
    rest.limit = limit - static_cast<std::int64_t>(page.size());
    auto hits = search_window(rest, window);
    if (!hits.ok()) return hits.take_error();
    const std::size_t found = hits->size();
    page.insert(page.end(), std::make_move_iterator(hits->begin()),
                std::make_move_iterator(hits->end()));
    if (final || static_cast<std::int64_t>(page.size()) >= limit) return page;
    edge += descending ? -reach : reach;
    // The next part: where, at the rate this one found hits, 1.5 times what is missing would
    // be; at least as long as this one, at most 16 times. Reaching past half of what is left,
    // the page needs most of the candidates anyway: the rest is read in one (the final part).
    const double missing = static_cast<double>(limit) - static_cast<double>(page.size());
    const double wanted =
        found == 0 ? part_ms * 16 : 1.5 * missing * part_ms / static_cast<double>(found);
    part_ms = std::clamp(wanted, part_ms, part_ms * 16);
    const auto left = static_cast<double>(descending ? edge - *first : *last - edge);
    if (part_ms * 2 >= left) part_ms = left;
  }
}

}  // namespace imgsync::catalog
