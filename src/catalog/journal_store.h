// The journal: the single source of truth for "what is done". State is per destination: every
// row belongs to one (endpoint, bucket, prefix), so the same journal serves several destinations
// and nothing is "unchanged" for a destination that has not confirmed it. One row per local file
// and destination (its stat and content hash as last read, the key, what the server confirmed
// there, state, attempts, last error, multipart progress) and one per capture (the name shared by
// a raw and an enhanced file, its claim on the bucket, and its STAC Item). Intent is recorded
// before an upload starts and completion after the server confirmed it, so a crash at any point
// leaves a journal that says exactly what to resume.
//
// A store opened without a destination (tests, tools) reads every destination's rows and writes
// rows of none; journals written before destinations were recorded (schema 1) are migrated to
// such rows, which the first destination that proves it holds them adopts (adopt_legacy_rows).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "catalog/record_error_kind.h"
#include "catalog/sqlite_database.h"
#include "config/source_kind.h"
#include "util/result.h"

namespace imgsync::catalog {

enum class FileState { kPending, kUploading, kUploaded, kFailed };
const char* to_string(FileState state);
std::optional<FileState> file_state_from(std::string_view text);

struct FileStat {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t inode = 0;
  // Changes on every write, even one that restores the mtime; 0 when not recorded (journals of
  // schema 1), which `same_file` then does not compare.
  std::int64_t ctime_ns = 0;
  bool operator==(const FileStat&) const = default;
  // The same file, unchanged since `earlier` was taken.
  bool same_file(const FileStat& earlier) const {
    return size == earlier.size && mtime_ns == earlier.mtime_ns && inode == earlier.inode &&
           (earlier.ctime_ns == 0 || ctime_ns == 0 || ctime_ns == earlier.ctime_ns);
  }
};

struct FileRecord {
  std::string path;                                         // absolute
  std::string source;                                       // the source folder it was found in
  config::SourceKind kind = config::SourceKind::kEnhanced;  // stored as its word
  FileStat stat;
  std::string sha256;  // of the content planned or uploaded
  std::string name;    // capture name
  std::string object_key;
  std::string item_key;
  FileState state = FileState::kPending;
  int attempts = 0;
  std::string last_error;
  RecordErrorKind error_kind;  // stored as error_category
  std::string upload_id;       // multipart upload in progress
  std::uint64_t part_size = 0;
  std::string metadata_json;  // media::ImageMetadata as JSON, for the Item
  std::int64_t updated_at = 0;
  // What the server confirmed for this destination: the key and the content imgsync put there
  // itself. Only such an object is ever replaced (an edit); any other bytes at a key are someone
  // else's.
  std::string confirmed_key;
  std::string confirmed_sha256;
  std::string confirmed_etag;
  std::string confirmed_version_id;
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
  // The capture's name is won on the bucket (its claim object holds owner_sha256): another writer
  // with the same name takes its next one.
  bool claimed = false;
  // A file of the capture was uploaded and its thumbnail is not yet on the bucket.
  bool thumbnail_due = false;
  // The server's ETag of the capture's Item as this journal last wrote or adopted it (empty:
  // none yet). The next version goes up only over that one (If-Match): another writer of the
  // capture (a machine with the same bytes on this prefix) changed it otherwise, and the two
  // are merged first (app/item_merge.h).
  std::string item_etag{};
};

struct StateCounts {
  std::map<std::string, std::int64_t> by_state;
  std::int64_t total = 0;
};

// The journal's name for a destination: endpoint (empty for AWS itself), bucket and prefix.
std::string destination_id(const std::string& endpoint, const std::string& bucket,
                           const std::string& prefix);

class JournalStore {
 public:
  // Opens or creates <state_dir>/journal.sqlite (creating state_dir), its rows scoped to
  // `destination` (see destination_id); empty: every destination's rows are read.
  static Result<JournalStore> open(const std::filesystem::path& state_dir,
                                   std::string destination = {});
  const std::string& destination() const { return destination_; }

  // Rows from before destinations were recorded: how many, a few uploaded ones to check against
  // a destination, and their adoption by it (once it was shown to hold their objects).
  Result<std::int64_t> legacy_row_count();
  Result<std::vector<FileRecord>> legacy_uploaded_sample(int count);
  Status adopt_legacy_rows();

  Result<std::optional<FileRecord>> find(const std::string& path);
  // Every record, in path order (for status and verify).
  Result<std::vector<FileRecord>> all(std::optional<FileState> state = std::nullopt);
  // Stats of every known path, to diff a scan against without one query per file.
  Result<std::map<std::string, std::pair<FileStat, FileState>>> stats();
  Status upsert(const FileRecord& record);  // insert or replace by path, updated_at = now
  Status set_state(const std::string& path, FileState state, const std::string& error = {},
                   const RecordErrorKind& kind = {});
  Status update_stat(const std::string& path, const FileStat& stat);
  Status record_attempt(const std::string& path);
  Status remove(const std::string& path);
  // The upload at the confirmed key is missing or altered (verify): the file goes up again.
  Status mark_for_repair(const std::string& path, const std::string& why);

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
  // Captures whose thumbnail is still to be made and uploaded (an interrupted run's included).
  Result<std::vector<CaptureRecordRow>> captures_due_thumbnails();
  // The thumbnail is on the bucket and `item_json` (the Item naming it) is to be uploaded.
  Status set_thumbnail_uploaded(const std::string& name, const std::string& item_json);
  // No thumbnail can be made for the capture (a warning was given): none is due any more.
  Status clear_thumbnail_due(const std::string& name);
  // Marks the Item uploaded as `stored` (the Item on the bucket: `item_json` itself, or it merged
  // with another writer's), with its sha256 and the server's ETag; unless the capture's Item
  // changed since `item_json` was sent: then it stays dirty, and takes the ETag only when
  // `stored` is `item_json` (the next write goes over it; over a merge it merges again).
  Status set_item_uploaded(const std::string& name, const std::string& item_json,
                           const std::string& stored, const std::string& item_sha256,
                           const std::string& item_etag);
  // In one transaction: the file is uploaded, its multipart state cleared, its capture's Item
  // replaced and marked for upload; `thumbnail_due`: the capture's thumbnail is to be made
  // (again) from this file.
  // `etag`, `version_id`: the server's, of the object now holding the file's content.
  Status complete_file(const std::string& path, const std::string& capture_name,
                       const std::string& item_json, const std::string& etag = {},
                       const std::string& version_id = {}, bool thumbnail_due = false);
  Status set_capture_claimed(const std::string& name);
  Status remove_capture(const std::string& name);
  // The capture's Item on the bucket was found missing or altered: upload it again.
  Status mark_item_dirty(const std::string& name);
  Result<std::vector<FileRecord>> files_of_capture(const std::string& name);

  // Failed records back to pending (retry); files that failed as invalid input (damaged images)
  // only when asked, since they fail again unless the file was fixed.
  Result<int> requeue_failed(bool include_invalid_input = true);
  Result<StateCounts> counts();

  Database& database() { return database_; }

  // Group commit (Database::begin_group): a run's many small writes in few commits.
  void begin_group_commit(std::function<void()> opened) {
    database_.begin_group(std::move(opened));
  }
  Status commit_group() { return database_.commit_group(); }
  Status end_group_commit() { return database_.end_group(); }

 private:
  Result<std::optional<CaptureRecordRow>> capture_where(const std::string& clause,
                                                        const std::string& value);
  JournalStore(Database database, std::string destination)
      : database_(std::move(database)), destination_(std::move(destination)) {}
  Status migrate();
  Status add_columns_since();
  Result<Statement> scoped(const std::string& sql);  // ?1 is bound to the destination
  const char* scope() const;                         // the WHERE term selecting this store's rows
  Status run_scoped(const std::string& sql, const std::string& path);
  Database database_;
  std::string destination_;
};

}  // namespace imgsync::catalog
