// The shared catalog: an ItemIndex (catalog/item_index.h) in a PostgreSQL 15 + PostGIS 3 database
// that a team's machines write to and search at once. `[catalog] url = "postgresql://..."`
// (config/app_config.h) or --catalog selects it; without it the local SQLite index is used.
//
// Schema (catalog/pg_schema.cpp), owned by imgsync, created on first connect and versioned in
// imgsync.schema_version, all in the PostgreSQL schema `imgsync`:
//   heads     one row per (collection, id): where its row lives in `items` (the partition key),
//             its `updated` time, its change sequence, whether it was written here or merged
//   items     the indexed fields and the Item JSON, PARTITION BY RANGE (datetime), one partition
//             per calendar year (UTC), created on demand; GiST on geom, an N-D GiST on `span`
//             (the position with its time interval as a third axis, as the SQLite index's
//             R*Tree: a place + time query walks one tree), a GiST on the position as a point
//             with the times and the sort key included (items_place, schema version 2: a
//             place's page is decided by an index-only scan), btree on
//             (collection, datetime, id), on the UTC and local times (the other times, sort
//             key, camera and tags included, version 2), GIN on the folded tags, and btree on
//             (collection, 1° place cell, datetime, id) with the position and times included
//             (items_cell, version 3: a place's page walked in time order, index-only), and
//             btree on (collection, camera, times_apart, wall clock) with the other times,
//             sort key and tags included (items_camera, version 4: a camera's time window)
//   settings  small named values per collection
// `datetime` is the Item's place in time order: its instant when the UTC offset is known, else
// its wall clock (SearchHit::sort_ms), so a time-ordered page reads partitions in order.
//
// Writes are idempotent by `updated`: a copy never replaces a newer one (upsert_item keeps a
// strictly newer copy, merge_item also an equally new one), so writers may replay and race.
// Search semantics are the SQLite index's, checked by one shared test suite
// (tests/catalog/item_index_suite.h).
//
// A lost connection or a restarted server: each operation outside a transaction reconnects and
// tries again (s3::RetryPolicy, a few seconds at most), then fails kRetryable; in_transaction()
// runs its whole work again. The password never appears in an error (catalog/pg_connection.h).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "catalog/item_index.h"
#include "catalog/pg_connection.h"
#include "s3/retry_policy.h"

namespace imgsync::catalog {

inline constexpr int kPgSchemaVersion = 4;
// From this many Items a merge takes the bulk path (COPY): below it, a pipeline of put_item
// calls costs less than the staging table's few extra round trips.
inline constexpr std::size_t kPgCopyFrom = 64;

struct PgCatalogOptions {
  PgTarget target;
  std::string collection;  // every read and write is scoped to it
  s3::RetryOptions retry{.max_attempts = 6,
                         .base_delay = std::chrono::milliseconds(200),
                         .max_delay = std::chrono::milliseconds(3000),
                         .throttled_base_delay = std::chrono::milliseconds(500)};
};

// Sets the session up (UTC, no JIT), then creates or upgrades the schema (under an advisory
// lock: concurrent first connects wait); kFatal when the database holds a newer schema than this
// imgsync knows. With `repair`, the search indexes a bulk load that never ended set aside are
// built again (when no bulk load runs and the role may).
Status migrate_pg_schema(PgConnection& connection, bool repair = true);
// Bulk mode (PgItemIndex::begin_bulk_load): the search indexes of `items` dropped, an advisory
// lock held by this session meanwhile; end: built again from all the rows, the lock released.
Status begin_pg_bulk_load(PgConnection& connection);
Status end_pg_bulk_load(PgConnection& connection);
// The schema version the catalog holds; 0 when it has none yet.
Result<std::int64_t> pg_schema_version(PgConnection& connection);

// A part of the time order: only Items whose sort time (SearchHit::sort_ms) is in
// [from_ms, until_ms), either end open.
struct PgTimeWindow {
  std::optional<std::int64_t> from_ms;
  std::optional<std::int64_t> until_ms;
  // A short part: the place-and-time GiST walks only it. Not for the last part of a query
  // without a time window of its own (the rest of the archive): the 2-D GiST walks a broad place
  // 3-10x faster than the N-D one, and what is left to read there is sparse.
  bool narrow = false;
};

class PgItemIndex final : public ItemIndex {
 public:
  // An Item merged from a bucket's catalog: its fields, as the index keeps it, its time.
  struct MergeRow {
    const IndexRecord* record;
    const std::string* item_json;
    std::int64_t updated_ms;
  };
  static Result<std::unique_ptr<PgItemIndex>> open(PgCatalogOptions options);

  Status upsert_item(const nlohmann::json& item, const std::string& item_key) override;
  Result<MergeOutcome> merge_item(const nlohmann::json& item, const std::string& item_key,
                                  std::int64_t updated_ms) override;
  // Up to kPgCopyFrom Items: one pipeline of put_item calls (one round trip); more: the bulk
  // path (pg_merge.cpp), a COPY into a session's staging table and a few set-wise statements.
  // The same outcomes either way, an Item met twice included.
  Result<std::vector<MergeOutcome>> merge_parsed(const std::vector<ItemToMerge>& items) override;
  // merge_parsed() on the prepared records (`index pull`), without parsing the Items again.
  Result<MergeCounts> merge_items(const std::vector<CatalogItem>& items) override;
  Status remove(const std::string& id) override;
  Status clear() override;
  Result<std::int64_t> count() override;
  Result<std::vector<SearchHit>> search(const SearchQuery& query) override;
  Status for_each_item(
      const std::function<Status(const std::string& id, const std::string& item_key,
                                 const std::string& item_json)>& visit) override;
  // kLocal: changes written with upsert_item (by any writer), not merged from a bucket.
  Status for_each_change(std::int64_t after, ChangeScope scope,
                         const std::function<Status(const LocalChange&)>& visit) override;
  Result<std::optional<std::string>> setting(const std::string& name) override;
  Status set_setting(const std::string& name, const std::string& value) override;
  Status in_transaction(const std::function<Status()>& work) override;

  // Bulk mode, for a load of many Items against those held (`index pull` asks for it, as of
  // the SQLite index): the search indexes of `items` (all but the primary key) are dropped, and
  // built again from all the rows at the end, sorted, which costs a fraction of updating them
  // row by row. Meanwhile searches by every machine stay correct but read every row. A loader
  // that dies leaves them to the next connection that may build them (migrate_pg_schema).
  Status begin_bulk_load() override;
  Status end_bulk_load() override;

  const std::string& server_name() const { return connection_.name(); }
  // Fresh planner statistics and visibility map (VACUUM ANALYZE, after a bulk load: `index
  // migrate`; autovacuum does it later). Not inside in_transaction().
  Status analyze();

 private:
  PgItemIndex(PgCatalogOptions options, PgConnection connection)
      : options_(std::move(options)), connection_(std::move(connection)), retry_(options_.retry) {}
  // Runs `attempt` (again after reconnecting while the failure is retryable and no transaction
  // is open).
  template <typename Attempt>
  auto retrying(Attempt&& attempt) -> decltype(attempt());
  Result<MergeOutcome> put(const nlohmann::json& item, const std::string& item_key,
                           std::int64_t updated_ms, bool local);
  // merge_item() for each row in order, in the caller's transaction or one of its own
  // (pg_merge.cpp).
  Result<std::vector<MergeOutcome>> merge_rows(const std::vector<MergeRow>& rows);
  Result<std::vector<MergeOutcome>> merge_pipelined(const std::vector<MergeRow>& rows);
  Result<std::vector<MergeOutcome>> merge_by_copy(const std::vector<MergeRow>& rows);
  Result<PgResult> query(std::string_view sql, const PgParams& params);
  // One statement of search (pg_search_cut.cpp): the hits in `window`.
  Result<std::vector<SearchHit>> search_window(const SearchQuery& query,
                                               const PgTimeWindow& window);
  // A page sorted by time, read part by part of the time order (pg_search_cut.cpp).
  Result<std::vector<SearchHit>> search_by_parts(const SearchQuery& query);
  // The collection's first and last sort time, read again after a minute (they only size the
  // parts: stale, they cost time, never a hit); nullopt when it holds no Item.
  Result<std::optional<std::pair<std::int64_t, std::int64_t>>> time_span();

  PgCatalogOptions options_;
  PgConnection connection_;
  s3::RetryPolicy retry_;
  int transaction_depth_ = 0;
  bool bulk_ = false;  // in bulk mode: a reconnect takes its lock again, repairs nothing
  std::optional<std::pair<std::int64_t, std::int64_t>> time_span_;
  std::chrono::steady_clock::time_point time_span_read_;
};

// A time on the place-and-time index's third axis: days since the epoch, widened by a day
// towards `direction` (the index keeps 32-bit floats: it only prefilters).
inline double pg_span_days(std::int64_t milliseconds, int direction) {
  return static_cast<double>(milliseconds) / 86'400'000.0 + direction;
}

// put_item()'s parameters $1-$28 for one Item (pg_item_index.cpp): the collection, the fields
// of `items` in its column order, the place-in-time span's ends.
PgParams pg_item_params(const std::string& collection, const IndexRecord& record,
                        const std::string& item_json);

// ASCII letters lower-cased, nothing else (SQLite's NOCASE and LIKE fold the same way).
std::string fold_ascii(std::string text);

// Whether a page of `query` is decided on one index alone, so its candidates cost no row read
// (pg_search.cpp): a page in time order or by distance of a place without a time window or a
// condition on the row's other fields (items_place; in time order items_cell comes first), or a
// time window without a place with a camera, tags or a page size in time order (items_utc,
// items_local); never with ids,
// polygons or a kind. Only where the candidates outnumber the page: otherwise reading their rows at
// once costs less than two steps.
bool pg_page_on_index(const SearchQuery& query);

// Whether a page of `query` is decided on items_cell (schema version 3, pg_search.cpp): a place
// (a box or a circle of at most a few hundred 1° cells) in time order with a page size or a time
// window, without a condition on the row's other fields (camera, tags, ids, polygons, kind).
// With a page size it is read part by part of the time order (pg_search_cut.cpp).
bool pg_page_on_cells(const SearchQuery& query);

// Whether a page of `query` is decided on items_camera (schema version 4, pg_search.cpp): a
// camera with a time window, tags allowed, without a place, ids, polygons, a kind or a GPS
// condition.
bool pg_page_on_camera(const SearchQuery& query);

// The SELECT of one search (pg_search.cpp): the text and its parameters ($1 is the collection).
struct PgSearchStatement {
  std::string sql;
  PgParams params;
};
Result<PgSearchStatement> pg_search_statement(const SearchQuery& query,
                                              const std::string& collection,
                                              const PgTimeWindow& window = {});

}  // namespace imgsync::catalog
