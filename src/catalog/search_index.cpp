#include "catalog/search_index.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <utility>

#include "util/file_paths.h"
#include "util/time_format.h"

namespace imgsync::catalog {
namespace {

using nlohmann::json;

// 1: items, cameras, tags, positions. 2: item_changes and settings (the bucket's catalog).
constexpr int kIndexSchemaVersion = 2;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS cameras (
  id INTEGER PRIMARY KEY,
  make TEXT NOT NULL,
  model TEXT NOT NULL,
  UNIQUE (make, model)
);
CREATE TABLE IF NOT EXISTS items (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  item_key TEXT NOT NULL,
  raw_key TEXT NOT NULL DEFAULT '',
  enhanced_key TEXT NOT NULL DEFAULT '',
  thumbnail_key TEXT NOT NULL DEFAULT '',
  utc_start_ms INTEGER NOT NULL,
  utc_end_ms INTEGER NOT NULL,
  local_ms INTEGER NOT NULL,
  sort_ms INTEGER NOT NULL,
  utc_offset_minutes INTEGER,
  latitude REAL,
  longitude REAL,
  altitude REAL,
  camera INTEGER NOT NULL REFERENCES cameras(id),
  lens TEXT NOT NULL DEFAULT '',
  width INTEGER,
  height INTEGER,
  orientation INTEGER NOT NULL DEFAULT 1,
  bytes INTEGER NOT NULL DEFAULT 0,
  created TEXT NOT NULL DEFAULT '',
  item_json TEXT NOT NULL
);
-- Covering indexes: a search checks and orders its candidates on these columns alone and reads
-- a whole row (Item JSON included) only for the page it returns. items_filter serves the
-- candidates the R*Tree finds (by rowid); the time indexes serve a time window without a place.
CREATE INDEX IF NOT EXISTS items_filter ON items(rowid, sort_ms, id, latitude, longitude,
  utc_start_ms, utc_end_ms, local_ms, camera);
DROP INDEX IF EXISTS items_by_utc;
DROP INDEX IF EXISTS items_by_local;
CREATE INDEX IF NOT EXISTS items_by_utc_span ON items(utc_start_ms, utc_end_ms, local_ms, sort_ms,
  id, camera);
CREATE INDEX IF NOT EXISTS items_by_local_span ON items(local_ms, utc_start_ms, utc_end_ms,
  sort_ms, id, camera);
CREATE INDEX IF NOT EXISTS items_by_sort ON items(sort_ms);
CREATE INDEX IF NOT EXISTS items_by_camera ON items(camera);
CREATE TABLE IF NOT EXISTS tags (
  tag TEXT NOT NULL COLLATE NOCASE,
  item INTEGER NOT NULL,
  PRIMARY KEY (tag, item)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_by_item ON tags(item);
CREATE VIRTUAL TABLE IF NOT EXISTS positions USING rtree(
  id, min_latitude, max_latitude, min_longitude, max_longitude, min_time, max_time
);
CREATE TABLE IF NOT EXISTS item_changes (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  updated_ms INTEGER NOT NULL,
  local INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS item_changes_local ON item_changes(local, sequence);
CREATE TABLE IF NOT EXISTS settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// What begin_bulk_load() sets aside: kSchema creates them again (IF NOT EXISTS).
// items_filter stays: searches name it (INDEXED BY), and rowids only grow, so keeping it is an
// append.
constexpr const char* kDeferredIndexes[] = {"items_by_utc_span", "items_by_local_span",
                                            "items_by_sort", "items_by_camera",
                                            "item_changes_local"};
constexpr const char* kBulkCacheSize =
    "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16384";

constexpr std::int64_t kSecondMs = 1000;

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

Result<SearchIndex> SearchIndex::open(const std::filesystem::path& state_dir, bool for_queries) {
  if (Status made = create_folder(state_dir, "the state directory"); !made.ok()) {
    return made.error();
  }
  auto database = Database::open(state_dir / kFileName);
  if (!database.ok()) return database.take_error();
  SearchIndex index(std::move(*database));
  if (Status migrated = index.migrate(); !migrated.ok()) return migrated.error();
  // Reads through a memory map and a larger page cache: a query touches pages all over the file
  // (tree nodes, rows, Item JSON), and a system call per page would dominate its latency. The
  // whole file when it can (SQLite caps the map at its build's limit: 2 GiB on Debian).
  if (for_queries) {
    (void)index.database_.execute("PRAGMA mmap_size = 17179869184; PRAGMA cache_size = -32768");
  } else {
    // A writer's statement journals (an upsert inside a batch keeps one, to undo just itself)
    // in memory: on disk each batch wrote and deleted a file of its own in /var/tmp (~1 MB).
    (void)index.database_.execute("PRAGMA temp_store = MEMORY");
  }
  sqlite3_create_function(
      index.database_.handle(), "imgsync_distance", 4, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
      [](sqlite3_context* context, int, sqlite3_value** values) {
        for (int i = 0; i < 4; ++i) {
          if (sqlite3_value_type(values[i]) == SQLITE_NULL) return sqlite3_result_null(context);
        }
        sqlite3_result_double(
            context,
            haversine_metres(sqlite3_value_double(values[0]), sqlite3_value_double(values[1]),
                             sqlite3_value_double(values[2]), sqlite3_value_double(values[3])));
      },
      nullptr, nullptr);
  register_within_function(index.database_.handle());
  return index;
}

Status SearchIndex::migrate() {
  return database_.apply_schema(kIndexSchemaVersion, kSchema,
                                "the search index was written by a newer imgsync; upgrade "
                                "imgsync, or delete index.sqlite and run 'imgsync index rebuild'");
}

Result<std::int64_t> SearchIndex::camera_id(const std::string& make, const std::string& model) {
  auto find = database_.prepare("SELECT id FROM cameras WHERE make = ?1 AND model = ?2");
  if (!find.ok()) return find.take_error();
  find->bind(1, make).bind(2, model);
  auto row = find->step();
  if (!row.ok()) return row.take_error();
  if (*row) return find->integer(0);
  auto add = database_.prepare("INSERT INTO cameras (make, model) VALUES (?1, ?2)");
  if (!add.ok()) return add.take_error();
  if (Status ok = add->bind(1, make).bind(2, model).run(); !ok.ok()) return ok.error();
  return database_.last_insert_rowid();
}

Status SearchIndex::insert(const IndexRecord& record, const std::string& item_json,
                           bool known_absent, std::optional<std::int64_t> known_camera) {
  if (!known_absent) {
    if (Status removed = remove(record.id); !removed.ok()) return removed;
  }
  auto camera =
      known_camera ? Result<std::int64_t>(*known_camera) : camera_id(record.make, record.model);
  if (!camera.ok()) return camera.error();
  auto add = database_.prepare(
      "INSERT INTO items (id, item_key, raw_key, enhanced_key, thumbnail_key, utc_start_ms, "
      "utc_end_ms, local_ms, sort_ms, utc_offset_minutes, latitude, longitude, altitude, camera, "
      "lens, width, height, orientation, bytes, created, item_json) VALUES (?1, ?2, ?3, ?4, ?5, "
      "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)");
  if (!add.ok()) return add.error();
  add->bind(1, record.id).bind(2, record.item_key).bind(3, record.raw_key);
  add->bind(4, record.enhanced_key).bind(5, record.thumbnail_key);
  add->bind(6, record.utc_start_ms).bind(7, record.utc_end_ms).bind(8, record.local_ms);
  // Time order: the instant when known, else the wall clock (the best guess of it).
  add->bind(9, record.utc_start_ms == record.utc_end_ms ? record.utc_start_ms : record.local_ms);
  auto optional_number = [&](int index, std::optional<double> value) {
    value ? add->bind(index, *value) : add->bind_null(index);
  };
  record.utc_offset_minutes ? add->bind(10, static_cast<std::int64_t>(*record.utc_offset_minutes))
                            : add->bind_null(10);
  optional_number(11, record.latitude);
  optional_number(12, record.longitude);
  optional_number(13, record.altitude);
  add->bind(14, *camera).bind(15, record.lens);
  record.width ? add->bind(16, *record.width) : add->bind_null(16);
  record.height ? add->bind(17, *record.height) : add->bind_null(17);
  add->bind(18, static_cast<std::int64_t>(record.orientation));
  add->bind(19, static_cast<std::int64_t>(record.bytes)).bind(20, record.created);
  add->bind(21, item_json);
  if (Status ok = add->run(); !ok.ok()) return ok;
  const std::int64_t rowid = database_.last_insert_rowid();
  add = Statement();

  for (const auto& tag : record.tags) {
    auto tag_row = database_.prepare("INSERT OR IGNORE INTO tags (tag, item) VALUES (?1, ?2)");
    if (!tag_row.ok()) return tag_row.error();
    if (Status ok = tag_row->bind(1, tag).bind(2, rowid).run(); !ok.ok()) return ok;
  }
  if (record.latitude && record.longitude) {
    auto position = database_.prepare("INSERT INTO positions VALUES (?1, ?2, ?2, ?3, ?3, ?4, ?5)");
    if (!position.ok()) return position.error();
    const double seconds_from =
        static_cast<double>(std::min(record.utc_start_ms, record.local_ms) / kSecondMs - 1);
    const double seconds_to =
        static_cast<double>(std::max(record.utc_end_ms, record.local_ms) / kSecondMs + 1);
    position->bind(1, rowid).bind(2, *record.latitude).bind(3, *record.longitude);
    if (Status ok = position->bind(4, seconds_from * kRtreeTimeScale)
                        .bind(5, seconds_to * kRtreeTimeScale)
                        .run();
        !ok.ok())
      return ok;
  }
  return {};
}

Status SearchIndex::write(const IndexRecord& record, const std::string& item_json,
                          std::int64_t updated_ms, bool local, bool known_absent,
                          std::optional<std::int64_t> camera) {
  if (Status inserted = insert(record, item_json, known_absent, camera); !inserted.ok()) {
    return inserted;
  }
  // REPLACE deletes the old row: the change gets a new, higher sequence.
  auto change = database_.prepare(
      "INSERT OR REPLACE INTO item_changes (id, updated_ms, local) VALUES (?1, ?2, ?3)");
  if (!change.ok()) return change.error();
  change->bind(1, record.id).bind(2, updated_ms).bind(3, std::int64_t{local ? 1 : 0});
  return change->run();
}

Status SearchIndex::store(const json& item, const std::string& item_key, std::int64_t updated_ms,
                          bool local, bool known_absent) {
  auto record = index_record_from_item(item, item_key);
  if (!record.ok()) return record.error();
  const std::string item_json = item.dump(-1, ' ', false, json::error_handler_t::replace);
  return in_transaction(
      [&]() { return write(*record, item_json, updated_ms, local, known_absent, std::nullopt); });
}

Status SearchIndex::upsert_item(const json& item, const std::string& item_key) {
  return store(item, item_key, item_updated_ms(item).value_or(now_ms()), /*local=*/true);
}

Result<SearchIndex::Held> SearchIndex::held(const std::string& id) {
  auto query = database_.prepare(
      "SELECT c.updated_ms FROM items i LEFT JOIN item_changes c ON c.id = i.id WHERE i.id = ?1");
  if (!query.ok()) return query.take_error();
  query->bind(1, id);
  auto row = query->step();
  if (!row.ok()) return row.take_error();
  Held found{.present = *row, .updated_ms = std::nullopt};
  if (found.present && !query->is_null(0)) found.updated_ms = query->integer(0);
  return found;
}

Result<MergeOutcome> SearchIndex::merge_item(const json& item, const std::string& item_key,
                                             std::int64_t updated_ms) {
  if (!item.is_object() || !item.contains("id") || !item["id"].is_string()) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("Item {}: no string \"id\"; it cannot be merged", item_key));
  }
  auto found = held(item["id"].get<std::string>());
  if (!found.ok()) return found.take_error();
  if (found->updated_ms && *found->updated_ms >= updated_ms) return MergeOutcome::kKeptNewer;
  if (Status ok = store(item, item_key, updated_ms, /*local=*/false, !found->present); !ok.ok()) {
    return ok.error();
  }
  return found->present ? MergeOutcome::kReplaced : MergeOutcome::kAdded;
}

// The prepared records go straight in: no JSON parse, cameras looked up once per batch, and
// one savepoint for the batch rather than one per Item.
Result<MergeCounts> SearchIndex::merge_items(const std::vector<CatalogItem>& items) {
  MergeCounts counts;
  std::map<std::pair<std::string, std::string>, std::int64_t> cameras;
  Status merged = in_transaction([&]() -> Status {
    for (const auto& item : items) {
      const IndexRecord& record = item.record;
      auto found = held(record.id);
      if (!found.ok()) return found.error();
      if (found->updated_ms && *found->updated_ms >= item.updated_ms) {
        ++counts.kept;
        continue;
      }
      auto camera = cameras.find({record.make, record.model});
      if (camera == cameras.end()) {
        auto id = camera_id(record.make, record.model);
        if (!id.ok()) return id.error();
        camera = cameras.emplace(std::pair(record.make, record.model), *id).first;
      }
      if (Status ok = write(record, item.item_json, item.updated_ms, /*local=*/false,
                            !found->present, camera->second);
          !ok.ok())
        return ok;
      ++(found->present ? counts.replaced : counts.added);
    }
    return {};
  });
  if (!merged.ok()) return merged.error();
  return counts;
}

Status SearchIndex::in_transaction(const std::function<Status()>& work) {
  if (sqlite3_get_autocommit(database_.handle()) != 0) {  // no transaction open: begin one
    Database::Transaction transaction(database_);
    if (!transaction.begun().ok()) return transaction.begun();
    if (Status ok = work(); !ok.ok()) return ok;
    return transaction.commit();
  }
  if (Status begun = database_.execute("SAVEPOINT item_index"); !begun.ok()) return begun;
  Status done = work();
  if (!done.ok()) (void)database_.execute("ROLLBACK TO item_index");
  Status released = database_.execute("RELEASE item_index");
  return done.ok() ? released : done;
}

Status SearchIndex::begin_bulk_load() {
  auto current = database_.prepare("PRAGMA cache_size");
  if (!current.ok()) return current.error();
  auto row = current->step();
  if (!row.ok()) return row.error();
  if (!cache_size_) cache_size_ = *row ? current->integer(0) : -2000;
  current = Statement();
  std::string sql = "BEGIN IMMEDIATE;";
  for (const char* name : kDeferredIndexes) sql += fmt::format("DROP INDEX IF EXISTS {};", name);
  if (Status ok = database_.execute(sql + "COMMIT"); !ok.ok()) {
    (void)database_.execute("ROLLBACK");
    return ok;
  }
  return database_.execute(kBulkCacheSize);
}

Status SearchIndex::end_bulk_load() {
  if (Status ok = migrate(); !ok.ok()) return ok;  // the schema again: the indexes, sorted
  if (!cache_size_) return {};
  const std::int64_t size = *std::exchange(cache_size_, std::nullopt);
  return database_.execute(
      fmt::format("PRAGMA cache_size = {}; PRAGMA wal_autocheckpoint = 1000", size));
}

Status SearchIndex::for_each_change(std::int64_t after, ChangeScope scope,
                                    const std::function<Status(const LocalChange&)>& visit) {
  auto query = database_.prepare(
      scope == ChangeScope::kLocal
          ? "SELECT c.sequence, c.updated_ms, i.id, i.item_key, i.item_json FROM item_changes c "
            "JOIN items i ON i.id = c.id WHERE c.local = 1 AND c.sequence > ?1 ORDER BY "
            "c.sequence"
          : "SELECT coalesce(c.sequence, 0), coalesce(c.updated_ms, 0), i.id, i.item_key, "
            "i.item_json FROM items i LEFT JOIN item_changes c ON c.id = i.id WHERE ?1 IS NOT NULL "
            "ORDER BY i.rowid");
  if (!query.ok()) return query.error();
  query->bind(1, after);
  while (true) {
    auto row = query->step();
    if (!row.ok()) return row.error();
    if (!*row) return {};
    const LocalChange change{.sequence = query->integer(0),
                             .updated_ms = query->integer(1),
                             .id = query->text(2),
                             .item_key = query->text(3),
                             .item_json = query->text(4)};
    if (Status ok = visit(change); !ok.ok()) return ok;
  }
}

Result<std::optional<std::string>> SearchIndex::setting(const std::string& name) {
  auto query = database_.prepare("SELECT value FROM settings WHERE name = ?1");
  if (!query.ok()) return query.take_error();
  query->bind(1, name);
  auto row = query->step();
  if (!row.ok()) return row.take_error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(query->text(0));
}

Status SearchIndex::set_setting(const std::string& name, const std::string& value) {
  auto statement =
      database_.prepare("INSERT OR REPLACE INTO settings (name, value) VALUES (?1, ?2)");
  if (!statement.ok()) return statement.error();
  return statement->bind(1, name).bind(2, value).run();
}

Status SearchIndex::remove(const std::string& id) {
  auto find = database_.prepare("SELECT rowid FROM items WHERE id = ?1");
  if (!find.ok()) return find.error();
  find->bind(1, id);
  auto row = find->step();
  if (!row.ok()) return row.error();
  if (!*row) return {};
  const std::int64_t rowid = find->integer(0);
  find = Statement();
  for (const char* sql : {"DELETE FROM tags WHERE item = ?1", "DELETE FROM positions WHERE id = ?1",
                          "DELETE FROM items WHERE rowid = ?1"}) {
    auto statement = database_.prepare(sql);
    if (!statement.ok()) return statement.error();
    if (Status ok = statement->bind(1, rowid).run(); !ok.ok()) return ok;
  }
  auto change = database_.prepare("DELETE FROM item_changes WHERE id = ?1");
  if (!change.ok()) return change.error();
  return change->bind(1, id).run();
}

Status SearchIndex::clear() {
  return database_.execute(
      "DELETE FROM tags; DELETE FROM positions; DELETE FROM items; DELETE FROM cameras; "
      "DELETE FROM item_changes;");
}

Result<std::int64_t> SearchIndex::count() {
  auto query = database_.prepare("SELECT count(*) FROM items");
  if (!query.ok()) return query.take_error();
  auto row = query->step();
  if (!row.ok()) return row.take_error();
  return query->integer(0);
}

Status SearchIndex::for_each_item(const std::function<Status(const std::string&, const std::string&,
                                                             const std::string&)>& visit) {
  auto query = database_.prepare("SELECT id, item_key, item_json FROM items ORDER BY id");
  if (!query.ok()) return query.error();
  while (true) {
    auto row = query->step();
    if (!row.ok()) return row.error();
    if (!*row) return {};
    if (Status ok = visit(query->text(0), query->text(1), query->text(2)); !ok.ok()) return ok;
  }
}

}  // namespace imgsync::catalog
