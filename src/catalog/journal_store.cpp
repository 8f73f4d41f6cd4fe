#include "catalog/journal_store.h"

#include <fmt/format.h>

#include <chrono>

namespace imgsync::catalog {
namespace {

// Steps `query` to its end, turning each row into a T with `read`.
template <typename T, typename Reader>
Result<std::vector<T>> collect_rows(Statement& query, Reader read) {
  std::vector<T> rows;
  while (true) {
    auto row = query.step();
    if (!row.ok()) return row.take_error();
    if (!*row) break;
    rows.push_back(read(query));
  }
  return rows;
}

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS files (
  path TEXT PRIMARY KEY,
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
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS files_by_state ON files(state);
CREATE INDEX IF NOT EXISTS files_by_name ON files(name);
CREATE TABLE IF NOT EXISTS parts (
  path TEXT NOT NULL,
  upload_id TEXT NOT NULL,
  part_number INTEGER NOT NULL,
  etag TEXT NOT NULL,
  size INTEGER NOT NULL,
  PRIMARY KEY (path, upload_id, part_number)
);
CREATE TABLE IF NOT EXISTS captures (
  name TEXT PRIMARY KEY,
  pair_key TEXT NOT NULL,
  owner_sha256 TEXT NOT NULL,
  item_key TEXT NOT NULL DEFAULT '',
  item_sha256 TEXT NOT NULL DEFAULT '',
  date_path TEXT NOT NULL DEFAULT '',
  item_json TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS captures_dirty ON captures(item_sha256) WHERE item_sha256 = '';
CREATE INDEX IF NOT EXISTS captures_by_pair_key ON captures(pair_key);
)sql";

constexpr const char* kFileColumns =
    "path, source, kind, size, mtime_ns, inode, sha256, name, object_key, item_key, state, "
    "attempts, last_error, error_category, upload_id, part_size, metadata, updated_at";

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

FileRecord read_file_record(const Statement& row) {
  FileRecord record;
  record.path = row.text(0);
  record.source = row.text(1);
  record.kind = row.text(2);
  record.stat.size = static_cast<std::uint64_t>(row.integer(3));
  record.stat.mtime_ns = row.integer(4);
  record.stat.inode = static_cast<std::uint64_t>(row.integer(5));
  record.sha256 = row.text(6);
  record.name = row.text(7);
  record.object_key = row.text(8);
  record.item_key = row.text(9);
  record.state = file_state_from(row.text(10)).value_or(FileState::kPending);
  record.attempts = static_cast<int>(row.integer(11));
  record.last_error = row.text(12);
  record.error_category = row.text(13);
  record.upload_id = row.text(14);
  record.part_size = static_cast<std::uint64_t>(row.integer(15));
  record.metadata_json = row.text(16);
  record.updated_at = row.integer(17);
  return record;
}

CaptureRecordRow read_capture(const Statement& row) {
  return {row.text(0), row.text(1), row.text(2), row.text(3),
          row.text(4), row.text(5), row.text(6)};
}

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

Result<JournalStore> JournalStore::open(const std::filesystem::path& state_dir) {
  std::error_code error;
  std::filesystem::create_directories(state_dir, error);
  if (error) {
    return make_error(ErrorCategory::kLocalIo,
                      fmt::format("cannot create the state directory {}: {}", state_dir.string(),
                                  error.message()));
  }
  auto database = Database::open(state_dir / "journal.sqlite");
  if (!database.ok()) return database.take_error();
  JournalStore store(std::move(*database));
  if (Status migrated = store.migrate(); !migrated.ok()) return migrated.error();
  return store;
}

Status JournalStore::migrate() {
  return database_.apply_schema(
      kSchemaVersion, kSchema,
      fmt::format("the journal was written by a newer imgsync (this one knows schema {}); "
                  "upgrade imgsync",
                  kSchemaVersion));
}

Result<std::optional<FileRecord>> JournalStore::find(const std::string& path) {
  auto query = database_.prepare(fmt::format("SELECT {} FROM files WHERE path = ?", kFileColumns));
  if (!query.ok()) return query.take_error();
  query->bind(1, path);
  auto row = query->step();
  if (!row.ok()) return row.take_error();
  if (!*row) return std::optional<FileRecord>();
  return std::optional<FileRecord>(read_file_record(*query));
}

Result<std::vector<FileRecord>> JournalStore::all(std::optional<FileState> state) {
  auto query = database_.prepare(
      state ? fmt::format("SELECT {} FROM files WHERE state = ? ORDER BY path", kFileColumns)
            : fmt::format("SELECT {} FROM files ORDER BY path", kFileColumns));
  if (!query.ok()) return query.take_error();
  if (state) query->bind(1, std::string_view(to_string(*state)));
  return collect_rows<FileRecord>(*query, read_file_record);
}

Result<std::map<std::string, std::pair<FileStat, FileState>>> JournalStore::stats() {
  auto query = database_.prepare("SELECT path, size, mtime_ns, inode, state FROM files");
  if (!query.ok()) return query.take_error();
  std::map<std::string, std::pair<FileStat, FileState>> result;
  while (true) {
    auto row = query->step();
    if (!row.ok()) return row.take_error();
    if (!*row) break;
    FileStat stat{static_cast<std::uint64_t>(query->integer(1)), query->integer(2),
                  static_cast<std::uint64_t>(query->integer(3))};
    result.emplace(query->text(0),
                   std::pair{stat, file_state_from(query->text(4)).value_or(FileState::kPending)});
  }
  return result;
}

Status JournalStore::upsert(const FileRecord& record) {
  auto statement = database_.prepare(
      fmt::format("INSERT OR REPLACE INTO files ({}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                  kFileColumns));
  if (!statement.ok()) return statement.take_error();
  statement->bind(1, record.path)
      .bind(2, record.source)
      .bind(3, record.kind)
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
      .bind(14, record.error_category)
      .bind(15, record.upload_id)
      .bind(16, static_cast<std::int64_t>(record.part_size))
      .bind(17, record.metadata_json)
      .bind(18, now_seconds());
  return statement->run();
}

Status JournalStore::set_state(const std::string& path, FileState state, const std::string& error,
                               const std::string& category) {
  auto statement = database_.prepare(
      "UPDATE files SET state = ?, last_error = ?, error_category = ?, updated_at = ? WHERE path = "
      "?");
  if (!statement.ok()) return statement.take_error();
  statement->bind(1, std::string_view(to_string(state)))
      .bind(2, error)
      .bind(3, category)
      .bind(4, now_seconds())
      .bind(5, path);
  return statement->run();
}

Status JournalStore::update_stat(const std::string& path, const FileStat& stat) {
  auto statement = database_.prepare(
      "UPDATE files SET size = ?, mtime_ns = ?, inode = ?, updated_at = ? WHERE path = ?");
  if (!statement.ok()) return statement.take_error();
  statement->bind(1, static_cast<std::int64_t>(stat.size))
      .bind(2, stat.mtime_ns)
      .bind(3, static_cast<std::int64_t>(stat.inode))
      .bind(4, now_seconds())
      .bind(5, path);
  return statement->run();
}

Status JournalStore::record_attempt(const std::string& path) {
  auto statement = database_.prepare("UPDATE files SET attempts = attempts + 1 WHERE path = ?");
  if (!statement.ok()) return statement.take_error();
  statement->bind(1, path);
  return statement->run();
}

Status JournalStore::remove(const std::string& path) {
  Database::Transaction transaction(database_);
  if (!transaction.begun().ok()) return transaction.begun();
  for (const char* sql : {"DELETE FROM parts WHERE path = ?", "DELETE FROM files WHERE path = ?"}) {
    auto statement = database_.prepare(sql);
    if (!statement.ok()) return statement.take_error();
    statement->bind(1, path);
    if (Status ok = statement->run(); !ok.ok()) return ok;
  }
  return transaction.commit();
}

Status JournalStore::set_upload(const std::string& path, const std::string& upload_id,
                                std::uint64_t part_size) {
  auto statement =
      database_.prepare("UPDATE files SET upload_id = ?, part_size = ? WHERE path = ?");
  if (!statement.ok()) return statement.take_error();
  statement->bind(1, upload_id).bind(2, static_cast<std::int64_t>(part_size)).bind(3, path);
  return statement->run();
}

Status JournalStore::add_part(const std::string& path, const std::string& upload_id,
                              const CompletedPartRecord& part) {
  auto statement = database_.prepare(
      "INSERT OR REPLACE INTO parts (path, upload_id, part_number, etag, size) VALUES (?,?,?,?,?)");
  if (!statement.ok()) return statement.take_error();
  statement->bind(1, path)
      .bind(2, upload_id)
      .bind(3, static_cast<std::int64_t>(part.part_number))
      .bind(4, part.etag)
      .bind(5, static_cast<std::int64_t>(part.size));
  return statement->run();
}

Result<std::vector<CompletedPartRecord>> JournalStore::parts(const std::string& path,
                                                             const std::string& upload_id) {
  auto query = database_.prepare(
      "SELECT part_number, etag, size FROM parts WHERE path = ? AND upload_id = ? ORDER BY "
      "part_number");
  if (!query.ok()) return query.take_error();
  query->bind(1, path).bind(2, upload_id);
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
  for (const char* sql : {"DELETE FROM parts WHERE path = ?",
                          "UPDATE files SET upload_id = '', part_size = 0 WHERE path = ?"}) {
    auto statement = database_.prepare(sql);
    if (!statement.ok()) return statement.take_error();
    statement->bind(1, path);
    if (Status ok = statement->run(); !ok.ok()) return ok;
  }
  return transaction.commit();
}

Result<std::vector<std::string>> JournalStore::upload_ids() {
  auto query = database_.prepare("SELECT upload_id FROM files WHERE upload_id != ''");
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

Result<std::optional<CaptureRecordRow>> JournalStore::capture_where(const std::string& clause,
                                                                    const std::string& value) {
  auto query = database_.prepare(
      "SELECT name, pair_key, owner_sha256, item_key, item_sha256, date_path, item_json FROM "
      "captures WHERE " +
      clause);
  if (!query.ok()) return query.take_error();
  query->bind(1, value);
  auto row = query->step();
  if (!row.ok()) return row.take_error();
  if (!*row) return std::optional<CaptureRecordRow>();
  return std::optional<CaptureRecordRow>(read_capture(*query));
}

Result<std::optional<CaptureRecordRow>> JournalStore::capture_by_name(const std::string& name) {
  return capture_where("name = ?", name);
}

Result<std::optional<CaptureRecordRow>> JournalStore::capture_by_pair_key(
    const std::string& pair_key) {
  return capture_where("pair_key = ? ORDER BY name LIMIT 1", pair_key);
}

Status JournalStore::upsert_capture(const CaptureRecordRow& capture) {
  auto statement = database_.prepare(
      "INSERT OR REPLACE INTO captures (name, pair_key, owner_sha256, item_key, item_sha256, "
      "date_path, item_json) VALUES (?,?,?,?,?,?,?)");
  if (!statement.ok()) return statement.take_error();
  statement->bind(1, capture.name)
      .bind(2, capture.pair_key)
      .bind(3, capture.owner_sha256)
      .bind(4, capture.item_key)
      .bind(5, capture.item_sha256)
      .bind(6, capture.date_path)
      .bind(7, capture.item_json);
  return statement->run();
}

Result<std::vector<CaptureRecordRow>> JournalStore::dirty_captures() {
  auto query = database_.prepare(
      "SELECT name, pair_key, owner_sha256, item_key, item_sha256, date_path, item_json FROM "
      "captures WHERE item_sha256 = '' AND item_json != '' ORDER BY name");
  if (!query.ok()) return query.take_error();
  return collect_rows<CaptureRecordRow>(*query, read_capture);
}

Status JournalStore::set_item_uploaded(const std::string& name, const std::string& item_json,
                                       const std::string& item_sha256) {
  auto statement =
      database_.prepare("UPDATE captures SET item_sha256 = ? WHERE name = ? AND item_json = ?");
  if (!statement.ok()) return statement.take_error();
  statement->bind(1, item_sha256).bind(2, name).bind(3, item_json);
  return statement->run();
}

Status JournalStore::complete_file(const std::string& path, const std::string& capture_name,
                                   const std::string& item_json) {
  Database::Transaction transaction(database_);
  if (!transaction.begun().ok()) return transaction.begun();
  auto file = database_.prepare(
      "UPDATE files SET state = 'uploaded', last_error = '', error_category = '', upload_id = '', "
      "part_size = 0, updated_at = ? WHERE path = ?");
  if (!file.ok()) return file.take_error();
  file->bind(1, now_seconds()).bind(2, path);
  if (Status ok = file->run(); !ok.ok()) return ok;
  auto parts = database_.prepare("DELETE FROM parts WHERE path = ?");
  if (!parts.ok()) return parts.take_error();
  parts->bind(1, path);
  if (Status ok = parts->run(); !ok.ok()) return ok;
  auto capture =
      database_.prepare("UPDATE captures SET item_json = ?, item_sha256 = '' WHERE name = ?");
  if (!capture.ok()) return capture.take_error();
  capture->bind(1, item_json).bind(2, capture_name);
  if (Status ok = capture->run(); !ok.ok()) return ok;
  return transaction.commit();
}

Result<std::vector<FileRecord>> JournalStore::files_of_capture(const std::string& name) {
  auto query = database_.prepare(
      fmt::format("SELECT {} FROM files WHERE name = ? ORDER BY kind DESC", kFileColumns));
  if (!query.ok()) return query.take_error();
  query->bind(1, name);
  return collect_rows<FileRecord>(*query, read_file_record);
}

Result<int> JournalStore::requeue_failed(bool include_invalid_input) {
  auto statement = database_.prepare(
      include_invalid_input
          ? "UPDATE files SET state = 'pending', attempts = 0, updated_at = ? WHERE state = "
            "'failed'"
          : "UPDATE files SET state = 'pending', attempts = 0, updated_at = ? WHERE state = "
            "'failed' AND error_category != 'invalid-input'");
  if (!statement.ok()) return statement.take_error();
  statement->bind(1, now_seconds());
  if (Status ok = statement->run(); !ok.ok()) return ok.error();
  return database_.changes();
}

Result<StateCounts> JournalStore::counts() {
  auto query = database_.prepare("SELECT state, COUNT(*) FROM files GROUP BY state");
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
