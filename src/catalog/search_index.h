// The search index: one row per STAC Item in <state_dir>/index.sqlite, beside the journal but in
// its own file (so a rebuild never touches the journal, and search never blocks a sync). Sync
// keeps it current; `imgsync index rebuild` refills it from the bucket's Items alone.
//
// Layout: `items` (capture time UTC and local, position, camera, kinds, asset keys, the Item
// itself), `cameras` (each distinct make/model once: a camera filter is a substring match on a
// few rows, then an indexed lookup), `tags`, and `positions`, a 3-D R*Tree over latitude,
// longitude and the capture time, so a box + time query is one tree walk whatever the
// selectivity of either part. The R*Tree holds 32-bit floats rounded outward: it only
// prefilters, and every condition is checked exactly against `items`.
//
// `item_changes` records which Items changed here (and when), in order, for the bucket's catalog
// segments; `settings` keeps the writer id and the catalog positions (catalog/item_index.h).
//
// Time and place semantics: catalog/item_query.h. The circle's bounding boxes (split at the
// antimeridian, widened to every longitude around a pole) only prefilter; so do a polygon's.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/item_index.h"
#include "catalog/item_query.h"
#include "catalog/sqlite_database.h"
#include "util/result.h"

namespace imgsync::catalog {

// The R*Tree's time axis is in thousands of years: the tree splits nodes along the axis whose
// extent is largest, and in seconds (or days) time would dwarf degrees, so every place query
// would visit every time slice of a busy site. At this scale places organise the tree down to
// about 500 m cells, where time starts to count. Float32 keeps ~100 s of precision there; the
// tree only prefilters.
inline constexpr double kRtreeTimeScale = 1.0 / (1000 * 365.25 * 86400);

// Registers imgsync_within(latitude, longitude, polygons) on a connection (search_query.cpp).
void register_within_function(sqlite3* database);

class SearchIndex final : public ItemIndex {
 public:
  static constexpr const char* kFileName = "index.sqlite";
  // Opens or creates <state_dir>/index.sqlite (creating state_dir).
  // for_queries: a memory map and a 32 MiB page cache for fast searches; writers (sync, watch)
  // keep SQLite's small default so their memory stays flat however large the index grows.
  static Result<SearchIndex> open(const std::filesystem::path& state_dir, bool for_queries = true);

  // Inserts or replaces the Item with the same id. Atomic on its own; inside a Batch, part of it.
  Status upsert_item(const nlohmann::json& item, const std::string& item_key) override;
  Result<MergeOutcome> merge_item(const nlohmann::json& item, const std::string& item_key,
                                  std::int64_t updated_ms) override;
  Result<MergeCounts> merge_items(const std::vector<CatalogItem>& items) override;
  Status remove(const std::string& id) override;
  Status clear() override;
  Result<std::int64_t> count() override;

  Result<std::vector<SearchHit>> search(const SearchQuery& query) override;
  Status for_each_item(
      const std::function<Status(const std::string& id, const std::string& item_key,
                                 const std::string& item_json)>& visit) override;
  Status for_each_change(std::int64_t after, ChangeScope scope,
                         const std::function<Status(const LocalChange&)>& visit) override;
  Result<std::optional<std::string>> setting(const std::string& name) override;
  Status set_setting(const std::string& name, const std::string& value) override;
  Status in_transaction(const std::function<Status()>& work) override;
  // Drops the secondary indexes no merge reads (time, camera, change order), enlarges the page
  // cache to 64 MiB and checkpoints every 64 MiB of WAL; end_bulk_load() builds the indexes
  // again by sorting, several times faster than keeping them up to date row by row, and
  // returns the cache and checkpoints to their defaults. open() builds
  // any that are missing (a pull that died in bulk mode).
  Status begin_bulk_load() override;
  Status end_bulk_load() override;

  // Many upserts in one transaction (a rebuild): far faster than one commit each.
  class Batch {
   public:
    explicit Batch(SearchIndex& index) : transaction_(index.database_) {}
    const Status& begun() const { return transaction_.begun(); }
    Status commit() { return transaction_.commit(); }

   private:
    Database::Transaction transaction_;
  };

  Database& database() { return database_; }

 private:
  explicit SearchIndex(Database database) : database_(std::move(database)) {}
  Status migrate();
  // known_absent: the caller has just seen that no Item has this id (nothing to remove first);
  // known_camera: the cameras row of record.make/model, when the caller has it.
  Status insert(const IndexRecord& record, const std::string& item_json, bool known_absent,
                std::optional<std::int64_t> known_camera);
  // The Item row and its change-log row (the caller's transaction).
  Status write(const IndexRecord& record, const std::string& item_json, std::int64_t updated_ms,
               bool local, bool known_absent, std::optional<std::int64_t> camera);
  Status store(const nlohmann::json& item, const std::string& item_key, std::int64_t updated_ms,
               bool local, bool known_absent = false);
  struct Held {
    bool present = false;
    std::optional<std::int64_t> updated_ms;  // nullopt: present but never merged or changed
  };
  Result<Held> held(const std::string& id);
  Result<std::int64_t> camera_id(const std::string& make, const std::string& model);
  Database database_;
  std::optional<std::int64_t> cache_size_;  // the page cache's size before begin_bulk_load()
};

}  // namespace imgsync::catalog
