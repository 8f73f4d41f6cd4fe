// The journal: the single source of truth for "what is done". One row per local file (its stat,
// content hash, object key, state, attempts, last error, multipart progress) and one per capture
// (the name shared by a raw and an enhanced file, and its STAC Item). Intent is recorded before an
// upload starts and completion after the server confirmed it, so a crash at any point leaves a
// journal that says exactly what to resume.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "catalog/sqlite_database.h"
#include "util/result.h"

namespace imgsync::catalog {

enum class FileState { kPending, kUploading, kUploaded, kFailed };
const char* to_string(FileState state);
std::optional<FileState> file_state_from(std::string_view text);

struct FileStat {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t inode = 0;
  bool operator==(const FileStat&) const = default;
};

struct FileRecord {
  std::string path;    // absolute
  std::string source;  // the source folder it was found in
  std::string kind;    // "raw" | "enhanced"
  FileStat stat;
  std::string sha256;  // of the content planned or uploaded
  std::string name;    // capture name
  std::string object_key;
  std::string item_key;
  FileState state = FileState::kPending;
  int attempts = 0;
  std::string last_error;
  std::string error_category;
  std::string upload_id;  // multipart upload in progress
  std::uint64_t part_size = 0;
  std::string metadata_json;  // media::ImageMetadata as JSON, for the Item
  std::int64_t updated_at = 0;
};

struct CompletedPartRecord {
  int part_number = 0;
  std::string etag;
  std::uint64_t size = 0;
};

struct CaptureRecordRow {
  std::string name;      // primary key: the capture's name, also the Item id
  std::string pair_key;  // directory + lower-case stem rule: how raw and enhanced find each other
  std::string owner_sha256;  // the content that first claimed the name
  std::string item_key;
  std::string item_sha256;  // of the Item JSON last uploaded; empty: to be uploaded
  std::string date_path;    // "YYYY/MM/DD": every asset of the capture lives in this folder
  std::string item_json;    // the Item as last built
};

struct StateCounts {
  std::map<std::string, std::int64_t> by_state;
  std::int64_t total = 0;
};

class JournalStore {
 public:
  // Opens or creates <state_dir>/journal.sqlite (creating state_dir).
  static Result<JournalStore> open(const std::filesystem::path& state_dir);

  Result<std::optional<FileRecord>> find(const std::string& path);
  // Every record, in path order (for status and verify).
  Result<std::vector<FileRecord>> all(std::optional<FileState> state = std::nullopt);
  // Stats of every known path, to diff a scan against without one query per file.
  Result<std::map<std::string, std::pair<FileStat, FileState>>> stats();
  Status upsert(const FileRecord& record);  // insert or replace by path, updated_at = now
  Status set_state(const std::string& path, FileState state, const std::string& error = {},
                   const std::string& category = {});
  Status update_stat(const std::string& path, const FileStat& stat);
  Status record_attempt(const std::string& path);
  Status remove(const std::string& path);

  // Multipart progress.
  Status set_upload(const std::string& path, const std::string& upload_id, std::uint64_t part_size);
  Status add_part(const std::string& path, const std::string& upload_id,
                  const CompletedPartRecord& part);
  Result<std::vector<CompletedPartRecord>> parts(const std::string& path,
                                                 const std::string& upload_id);
  Status clear_upload(const std::string& path);
  Result<std::vector<std::string>> upload_ids();  // every multipart upload the journal knows

  // Captures.
  Result<std::optional<CaptureRecordRow>> capture_by_name(const std::string& name);
  Result<std::optional<CaptureRecordRow>> capture_by_pair_key(const std::string& pair_key);
  Status upsert_capture(const CaptureRecordRow& capture);
  // Captures whose Item must be (re)uploaded.
  Result<std::vector<CaptureRecordRow>> dirty_captures();
  // Marks the Item uploaded, unless it changed since `item_json` was sent (then it stays dirty).
  Status set_item_uploaded(const std::string& name, const std::string& item_json,
                           const std::string& item_sha256);
  // In one transaction: the file is uploaded, its multipart state cleared, its capture's Item
  // replaced and marked for upload.
  Status complete_file(const std::string& path, const std::string& capture_name,
                       const std::string& item_json);
  Result<std::vector<FileRecord>> files_of_capture(const std::string& name);

  // Failed records back to pending (retry); files that failed as invalid input (damaged images)
  // only when asked, since they fail again unless the file was fixed.
  Result<int> requeue_failed(bool include_invalid_input = true);
  Result<StateCounts> counts();

  Database& database() { return database_; }

 private:
  Result<std::optional<CaptureRecordRow>> capture_where(const std::string& clause,
                                                        const std::string& value);
  explicit JournalStore(Database database) : database_(std::move(database)) {}
  Status migrate();
  Database database_;
};

}  // namespace imgsync::catalog
