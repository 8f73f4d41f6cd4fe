#include "catalog/journal_store.h"

#include <fmt/format.h>

#include <chrono>

#include "catalog/journal_rows.h"
#include "util/file_paths.h"

namespace imgsync::catalog {
namespace {

using namespace journal_rows;  // NOLINT: the row shapes of this store

constexpr int kJournalSchemaVersion = 2;

// Tables without indexes (created after a migration has dropped the old tables and theirs).
constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS files (
  destination TEXT NOT NULL DEFAULT '',
  path TEXT NOT NULL,
  source TEXT NOT NULL,
  kind TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  inode INTEGER NOT NULL,
  sha256 TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '',
  object_key TEXT NOT NULL DEFAULT '',
  item_key TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  error_category TEXT NOT NULL DEFAULT '',
  upload_id TEXT NOT NULL DEFAULT '',
  part_size INTEGER NOT NULL DEFAULT 0,
  metadata TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL,
  ctime_ns INTEGER NOT NULL DEFAULT 0,
  confirmed_key TEXT NOT NULL DEFAULT '',
  confirmed_sha256 TEXT NOT NULL DEFAULT '',
  confirmed_etag TEXT NOT NULL DEFAULT '',
  confirmed_version_id TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (destination, path)
);
CREATE TABLE IF NOT EXISTS parts (
  destination TEXT NOT NULL DEFAULT '',
  path TEXT NOT NULL,
  upload_id TEXT NOT NULL,
  part_number INTEGER NOT NULL,
  etag TEXT NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY (destination, path, upload_id, part_number)
);
CREATE TABLE IF NOT EXISTS captures (
  destination TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL,
  pair_key TEXT NOT NULL,
  owner_sha256 TEXT NOT NULL,
  item_key TEXT NOT NULL DEFAULT '',
  item_sha256 TEXT NOT NULL DEFAULT '',
  date_path TEXT NOT NULL DEFAULT '',
  item_json TEXT NOT NULL DEFAULT '',
  claimed INTEGER NOT NULL DEFAULT 0,
  thumbnail_due INTEGER NOT NULL DEFAULT 0,
  item_etag TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (destination, name)
);
)sql";

constexpr const char* kIndexes = R"sql(
CREATE INDEX IF NOT EXISTS files_by_state ON files(destination, state);
CREATE INDEX IF NOT EXISTS files_by_name ON files(destination, name);
CREATE INDEX IF NOT EXISTS captures_dirty ON captures(destination, item_sha256)
  WHERE item_sha256 = '';
CREATE INDEX IF NOT EXISTS captures_by_pair_key ON captures(destination, pair_key);
CREATE INDEX IF NOT EXISTS files_by_path ON files(path);
)sql";

// Schema 1 had no destination: its rows become rows of none ('' ), adopted later by the
// destination that proves it holds them. What was uploaded then was confirmed by the server.
constexpr const char* kFromSchema1 = R"sql(
DROP INDEX IF EXISTS files_by_state;
DROP INDEX IF EXISTS files_by_name;
DROP INDEX IF EXISTS captures_dirty;
DROP INDEX IF EXISTS captures_by_pair_key;
ALTER TABLE files RENAME TO files_v1;
ALTER TABLE parts RENAME TO parts_v1;
ALTER TABLE captures RENAME TO captures_v1;
)sql";
constexpr const char* kCopySchema1 = R"sql(
INSERT INTO files (destination, path, source, kind, size, mtime_ns, inode, sha256, name,
  object_key, item_key, state, attempts, last_error, error_category, upload_id, part_size,
  metadata, updated_at, confirmed_key, confirmed_sha256)
SELECT '', path, source, kind, size, mtime_ns, inode, sha256, name, object_key, item_key, state,
  attempts, last_error, error_category, upload_id, part_size, metadata, updated_at,
  CASE WHEN state = 'uploaded' THEN object_key ELSE '' END,
  CASE WHEN state = 'uploaded' THEN sha256 ELSE '' END
FROM files_v1;
INSERT INTO parts (destination, path, upload_id, part_number, etag, size)
SELECT '', path, upload_id, part_number, etag, size FROM parts_v1;
INSERT INTO captures (destination, name, pair_key, owner_sha256, item_key, item_sha256,
  date_path, item_json, claimed)
SELECT '', name, pair_key, owner_sha256, item_key, item_sha256, date_path, item_json, 1
FROM captures_v1;
DROP TABLE files_v1;
DROP TABLE parts_v1;
DROP TABLE captures_v1;
)sql";

}  // namespace

const char* to_string(FileState state) {
  switch (state) {
    case FileState::kPending:
      return "pending";
    case FileState::kUploading:
      return "uploading";
    case FileState::kUploaded:
      return "uploaded";
    case FileState::kFailed:
      return "failed";
  }
  return "pending";
}

std::optional<FileState> file_state_from(std::string_view text) {
  for (auto state :
       {FileState::kPending, FileState::kUploading, FileState::kUploaded, FileState::kFailed}) {
    if (text == to_string(state)) return state;
  }
  return std::nullopt;
}

std::string destination_id(const std::string& endpoint, const std::string& bucket,
                           const std::string& prefix) {
  std::string trimmed = prefix;
  while (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
  while (!trimmed.empty() && trimmed.front() == '/') trimmed.erase(0, 1);
  return fmt::format("{}|{}|{}", endpoint, bucket, trimmed);
}

Result<JournalStore> JournalStore::open(const std::filesystem::path& state_dir,
                                        std::string destination) {
  if (Status made = create_folder(state_dir, "the state directory"); !made.ok()) {
    return made.error();
  }
  auto database = Database::open(state_dir / "journal.sqlite");
  if (!database.ok()) return database.take_error();
  JournalStore store(std::move(*database), std::move(destination));
  // Statement journals (a write inside a group commit keeps one) in memory, not in /var/tmp.
  (void)store.database_.execute("PRAGMA temp_store = MEMORY");
  if (Status migrated = store.migrate(); !migrated.ok()) return migrated.error();
  return store;
}

Status JournalStore::migrate() {
  Database::Transaction transaction(database_);
  if (!transaction.begun().ok()) return transaction.begun();
  std::int64_t version = 0;
  bool has_files = false;
  {
    auto query = database_.prepare("PRAGMA user_version");
    if (!query.ok()) return query.take_error();
    auto row = query->step();
    if (!row.ok()) return row.take_error();
    version = *row ? query->integer(0) : 0;
  }
  if (version == kJournalSchemaVersion) {
    if (Status ok = add_columns_since(); !ok.ok()) return ok;
    if (Status ok = database_.execute(kIndexes); !ok.ok()) return ok;  // indexes added since
    return transaction.commit();
  }
  if (version > kJournalSchemaVersion) {
    return make_error(ErrorCategory::kFatal,
                      fmt::format("the journal was written by a newer imgsync (this one knows "
                                  "schema {}); upgrade imgsync",
                                  kJournalSchemaVersion));
  }
  {
    auto query =
        database_.prepare("SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='files'");
    if (!query.ok()) return query.take_error();
    auto row = query->step();
    if (!row.ok()) return row.take_error();
    has_files = *row && query->integer(0) > 0;
  }
  const bool from_schema1 = version == 1 && has_files;
  if (from_schema1) {
    if (Status ok = database_.execute(kFromSchema1); !ok.ok()) return ok;
  }
  if (Status ok = database_.execute(kTables); !ok.ok()) return ok;
  if (from_schema1) {
    if (Status ok = database_.execute(kCopySchema1); !ok.ok()) return ok;
  }
  if (Status ok = database_.execute(kIndexes); !ok.ok()) return ok;
  if (Status ok = database_.execute(fmt::format("PRAGMA user_version={}", kJournalSchemaVersion));
      !ok.ok()) {
    return ok;
  }
  return transaction.commit();
}

// Columns added to schema 2 after journals of it were written: added in place.
Status JournalStore::add_columns_since() {
  // Columns added to `captures` after schema 2 shipped, each with its default.
  for (const char* column :
       {"thumbnail_due INTEGER NOT NULL DEFAULT 0", "item_etag TEXT NOT NULL DEFAULT ''"}) {
    const std::string_view name(column, std::string_view(column).find(' '));
    auto query =
        database_.prepare("SELECT COUNT(*) FROM pragma_table_info('captures') WHERE name = ?1");
    if (!query.ok()) return query.take_error();
    auto row = query->bind(1, name).step();
    if (!row.ok()) return row.take_error();
    if (*row && query->integer(0) > 0) continue;
    auto added = database_.execute(fmt::format("ALTER TABLE captures ADD COLUMN {}", column));
    if (!added.ok()) return added;
  }
  return {};
}

const char* JournalStore::scope() const {
  return destination_.empty() ? kUnscoped : kScoped;
}

Result<Statement> JournalStore::scoped(const std::string& sql) {
  auto statement = database_.prepare(sql);
  if (!statement.ok()) return statement.take_error();
  statement->bind(1, destination_);
  return statement;
}

Status JournalStore::run_scoped(const std::string& sql, const std::string& path) {
  auto statement = scoped(sql);
  if (!statement.ok()) return statement.take_error();
  statement->bind(2, path);
  return statement->run();
}

Result<std::int64_t> JournalStore::legacy_row_count() {
  auto query = database_.prepare("SELECT COUNT(*) FROM files WHERE destination = ''");
  if (!query.ok()) return query.take_error();
  auto row = query->step();
  if (!row.ok()) return row.take_error();
  return *row ? query->integer(0) : 0;
}

Result<std::vector<FileRecord>> JournalStore::legacy_uploaded_sample(int count) {
  auto query = database_.prepare(fmt::format(
      "SELECT {} FROM files WHERE destination = '' AND state = 'uploaded' ORDER BY updated_at "
      "DESC LIMIT ?",
      kFileColumns));
  if (!query.ok()) return query.take_error();
  query->bind(1, static_cast<std::int64_t>(count));
  return collect_rows<FileRecord>(*query, read_file_record);
}

Status JournalStore::adopt_legacy_rows() {
  if (destination_.empty()) return {};
  Database::Transaction transaction(database_);
  if (!transaction.begun().ok()) return transaction.begun();
  for (const char* table : {"files", "parts", "captures"}) {
    auto statement = database_.prepare(
        fmt::format("UPDATE OR IGNORE {} SET destination = ? WHERE destination = ''", table));
    if (!statement.ok()) return statement.take_error();
    statement->bind(1, destination_);
    if (Status ok = statement->run(); !ok.ok()) return ok;
  }
  return transaction.commit();
}

Result<std::optional<FileRecord>> JournalStore::find(const std::string& path) {
  auto query = scoped(
      fmt::format("SELECT {} FROM files WHERE {} AND path = ?2 LIMIT 1", kFileColumns, scope()));
  if (!query.ok()) return query.take_error();
  query->bind(2, path);
  auto row = query->step();
  if (!row.ok()) return row.take_error();
  if (!*row) return std::optional<FileRecord>();
  return std::optional<FileRecord>(read_file_record(*query));
}

Result<std::vector<FileRecord>> JournalStore::all(std::optional<FileState> state) {
  auto query = scoped(
      state ? fmt::format("SELECT {} FROM files WHERE {} AND state = ?2 ORDER BY path",
                          kFileColumns, scope())
            : fmt::format("SELECT {} FROM files WHERE {} ORDER BY path", kFileColumns, scope()));
  if (!query.ok()) return query.take_error();
  if (state) query->bind(2, std::string_view(to_string(*state)));
  return collect_rows<FileRecord>(*query, read_file_record);
}

Result<std::map<std::string, std::pair<FileStat, FileState>>> JournalStore::stats() {
  auto query = scoped(fmt::format(
      "SELECT path, size, mtime_ns, inode, state, ctime_ns FROM files WHERE {}", scope()));
  if (!query.ok()) return query.take_error();
  std::map<std::string, std::pair<FileStat, FileState>> result;
  while (true) {
    auto row = query->step();
    if (!row.ok()) return row.take_error();
    if (!*row) break;
    FileStat stat{static_cast<std::uint64_t>(query->integer(1)), query->integer(2),
                  static_cast<std::uint64_t>(query->integer(3)), query->integer(5)};
    result.emplace(query->text(0),
                   std::pair{stat, file_state_from(query->text(4)).value_or(FileState::kPending)});
  }
  return result;
}

Status JournalStore::upsert(const FileRecord& record) {
  auto statement =
      database_.prepare(fmt::format("INSERT OR REPLACE INTO files ({}) VALUES "
                                    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                    kFileColumns));
  if (!statement.ok()) return statement.take_error();
  statement->bind(1, record.path)
      .bind(2, record.source)
      .bind(3, config::to_string(record.kind))
      .bind(4, static_cast<std::int64_t>(record.stat.size))
      .bind(5, record.stat.mtime_ns)
      .bind(6, static_cast<std::int64_t>(record.stat.inode))
      .bind(7, record.sha256)
      .bind(8, record.name)
      .bind(9, record.object_key)
      .bind(10, record.item_key)
      .bind(11, std::string_view(to_string(record.state)))
      .bind(12, static_cast<std::int64_t>(record.attempts))
      .bind(13, record.last_error)
      .bind(14, record.error_kind.word())
      .bind(15, record.upload_id)
      .bind(16, static_cast<std::int64_t>(record.part_size))
      .bind(17, record.metadata_json)
      .bind(18, now_seconds())
      .bind(19, record.stat.ctime_ns)
      .bind(20, record.confirmed_key)
      .bind(21, record.confirmed_sha256)
      .bind(22, record.confirmed_etag)
      .bind(23, record.confirmed_version_id)
      .bind(24, destination_);
  return statement->run();
}

Status JournalStore::set_state(const std::string& path, FileState state, const std::string& error,
                               const RecordErrorKind& kind) {
  auto statement = scoped(
      "UPDATE files SET state = ?3, last_error = ?4, error_category = ?5, updated_at = ?6 WHERE "
      "destination = ?1 AND path = ?2");
  if (!statement.ok()) return statement.take_error();
  statement->bind(2, path)
      .bind(3, std::string_view(to_string(state)))
      .bind(4, error)
      .bind(5, kind.word())
      .bind(6, now_seconds());
  return statement->run();
}

Status JournalStore::update_stat(const std::string& path, const FileStat& stat) {
  auto statement = scoped(
      "UPDATE files SET size = ?3, mtime_ns = ?4, inode = ?5, ctime_ns = ?6, updated_at = ?7 "
      "WHERE destination = ?1 AND path = ?2");
  if (!statement.ok()) return statement.take_error();
  statement->bind(2, path)
      .bind(3, static_cast<std::int64_t>(stat.size))
      .bind(4, stat.mtime_ns)
      .bind(5, static_cast<std::int64_t>(stat.inode))
      .bind(6, stat.ctime_ns)
      .bind(7, now_seconds());
  return statement->run();
}

Status JournalStore::record_attempt(const std::string& path) {
  return run_scoped("UPDATE files SET attempts = attempts + 1 WHERE destination = ?1 AND path = ?2",
                    path);
}

Status JournalStore::remove(const std::string& path) {
  Database::Transaction transaction(database_);
  if (!transaction.begun().ok()) return transaction.begun();
  for (const char* sql : {"DELETE FROM parts WHERE destination = ?1 AND path = ?2",
                          "DELETE FROM files WHERE destination = ?1 AND path = ?2"}) {
    if (Status ok = run_scoped(sql, path); !ok.ok()) return ok;
  }
  return transaction.commit();
}

Status JournalStore::mark_for_repair(const std::string& path, const std::string& why) {
  auto statement = scoped(
      "UPDATE files SET state = 'pending', last_error = ?3, error_category = ?5, "
      "attempts = 0, updated_at = ?4 WHERE destination = ?1 AND path = ?2");
  if (!statement.ok()) return statement.take_error();
  statement->bind(2, path)
      .bind(3, why)
      .bind(4, now_seconds())
      .bind(5, RecordErrorKind::repair().word());
  return statement->run();
}

Status JournalStore::set_upload(const std::string& path, const std::string& upload_id,
                                std::uint64_t part_size) {
  auto statement = scoped(
      "UPDATE files SET upload_id = ?3, part_size = ?4 WHERE destination = ?1 AND path = ?2");
  if (!statement.ok()) return statement.take_error();
  statement->bind(2, path).bind(3, upload_id).bind(4, static_cast<std::int64_t>(part_size));
  return statement->run();
}

Status JournalStore::add_part(const std::string& path, const std::string& upload_id,
                              const CompletedPartRecord& part) {
  auto statement = scoped(
      "INSERT OR REPLACE INTO parts (destination, path, upload_id, part_number, etag, size) "
      "VALUES (?1,?2,?3,?4,?5,?6)");
  if (!statement.ok()) return statement.take_error();
  statement->bind(2, path)
      .bind(3, upload_id)
      .bind(4, static_cast<std::int64_t>(part.part_number))
      .bind(5, part.etag)
      .bind(6, static_cast<std::int64_t>(part.size));
  return statement->run();
}

Result<std::vector<CompletedPartRecord>> JournalStore::parts(const std::string& path,
                                                             const std::string& upload_id) {
  auto query = scoped(fmt::format(
      "SELECT part_number, etag, size FROM parts WHERE {} AND path = ?2 AND upload_id = ?3 "
      "ORDER BY part_number",
      scope()));
  if (!query.ok()) return query.take_error();
  query->bind(2, path).bind(3, upload_id);
  std::vector<CompletedPartRecord> parts;
  while (true) {
    auto row = query->step();
    if (!row.ok()) return row.take_error();
    if (!*row) break;
    parts.push_back({static_cast<int>(query->integer(0)), query->text(1),
                     static_cast<std::uint64_t>(query->integer(2))});
  }
  return parts;
}

Status JournalStore::clear_upload(const std::string& path) {
  Database::Transaction transaction(database_);
  if (!transaction.begun().ok()) return transaction.begun();
  for (const char* sql :
       {"DELETE FROM parts WHERE destination = ?1 AND path = ?2",
        "UPDATE files SET upload_id = '', part_size = 0 WHERE destination = ?1 AND path = ?2"}) {
    if (Status ok = run_scoped(sql, path); !ok.ok()) return ok;
  }
  return transaction.commit();
}

Result<std::vector<std::string>> JournalStore::upload_ids() {
  auto query =
      scoped(fmt::format("SELECT upload_id FROM files WHERE {} AND upload_id != ''", scope()));
  if (!query.ok()) return query.take_error();
  std::vector<std::string> ids;
  while (true) {
    auto row = query->step();
    if (!row.ok()) return row.take_error();
    if (!*row) break;
    ids.push_back(query->text(0));
  }
  return ids;
}

Result<int> JournalStore::requeue_failed(bool include_invalid_input) {
  auto statement =
      scoped(include_invalid_input
                 ? "UPDATE files SET state = 'pending', attempts = 0, updated_at = ?2 WHERE "
                   "destination = ?1 AND state = 'failed'"
                 : "UPDATE files SET state = 'pending', attempts = 0, updated_at = ?2 WHERE "
                   "destination = ?1 AND state = 'failed' AND error_category != ?3");
  if (!statement.ok()) return statement.take_error();
  statement->bind(2, now_seconds());
  if (!include_invalid_input) {
    statement->bind(3, RecordErrorKind(ErrorCategory::kInvalidInput).word());
  }
  if (Status ok = statement->run(); !ok.ok()) return ok.error();
  return database_.changes();
}

Result<StateCounts> JournalStore::counts() {
  auto query =
      scoped(fmt::format("SELECT state, COUNT(*) FROM files WHERE {} GROUP BY state", scope()));
  if (!query.ok()) return query.take_error();
  StateCounts counts;
  while (true) {
    auto row = query->step();
    if (!row.ok()) return row.take_error();
    if (!*row) break;
    counts.by_state[query->text(0)] = query->integer(1);
    counts.total += query->integer(1);
  }
  return counts;
}

}  // namespace imgsync::catalog
