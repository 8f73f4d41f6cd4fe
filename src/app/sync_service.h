// `imgsync sync`: every ready image under the source folders goes to the bucket layout with its
// STAC Item, exactly once, verified, resumable. State is per destination (endpoint, bucket,
// prefix): the journal says what is confirmed there; the bucket is touched only for files that
// changed since (an unchanged tree costs no S3 request at all).
//
// Three parts, one job each:
//   SyncFeed (sync_feed.h)        which files need work: walk or given files, the journal's
//                                 leftovers, unchanged / not ready / vanished ones counted;
//   the upload step (sync_run.h)  one file: read it once (SHA-256, MD5, metadata, in worker
//                                 processes: metadata_reader.h; unreadable
//                                 metadata never stops it), name it (CapturePlanner), win the
//                                 name on the bucket (NameClaims), apply the overwrite rule,
//                                 journal intent, upload (single PUT with If-None-Match, or
//                                 resumable multipart), journal completion with what the server
//                                 confirmed;
//   ItemPublisher (item_publisher.h)  the capture's thumbnail, then its Item, after its assets.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/source_scanner.h"
#include "catalog/journal_store.h"
#include "config/app_config.h"
#include "s3/s3_client.h"
#include "util/result.h"

namespace imgsync::media {
class MetadataWorkerPool;
}  // namespace imgsync::media

namespace imgsync::app {

// Where watch's newly ready files come from while a sync run is under way (SyncOptions::follow).
class FileFollower {
 public:
  virtual ~FileFollower() = default;
  // The files ready now (often none); an empty answer does not end the following.
  virtual std::vector<ScannedFile> take_ready() = 0;
  // A file given again while this run still works on it (changed since it was taken): it waits
  // for the next run.
  virtual void give_back(ScannedFile file) = 0;
};

struct SyncOptions {
  bool dry_run = false;  // scan, read and name files, say where they would go; no upload, no writes
  // Only these files (watch: the ones that just became ready) instead of a scan of every source.
  std::optional<std::vector<ScannedFile>> files;
  // Set (from a signal handler) to stop: no new file is started, uploads in flight get
  // `cancel_grace` to finish, the rest stays recorded for the next run.
  const std::atomic<bool>* cancel = nullptr;
  // Files modified less than this long ago are not taken but handed back in the report
  // (`deferred`): watch lets them settle first.
  std::chrono::milliseconds min_age{0};
  std::chrono::milliseconds cancel_grace{10000};
  // Worker processes that read the files' metadata (app/metadata_reader.h); nullptr: read in
  // this process, on the transfer loop. Not owned.
  media::MetadataWorkerPool* metadata_pool = nullptr;
  // Watch: files that became ready while this run is under way join it (asked every few ms
  // while work is in flight), so they never wait for its end; the run ends once nothing is in
  // flight and `follow` has nothing. Not owned.
  FileFollower* follow = nullptr;
};

// One thing that happened to one file, for the command's output.
struct SyncEvent {
  enum class Kind {
    kUploaded,
    kFailed,
    kPlanned,
    kItemUploaded,
    kItemFailed,
    kPartUploaded,
    kThumbnailUploaded,
    kThumbnailFailed,  // no thumbnail for the capture (a warning: the image itself is safe)
    kVanished,         // a pending file is gone from the disk: it left the journal
    kMetadataWarning,  // its metadata could not be read (all or some): archived all the same
    kRenamed,          // its name is held on the bucket by other content: it took the next one
    kNote,             // something the run did on its own (e.g. adopted an older journal)
    kWatching,         // watch: its folders are watched; a file written from now on is seen
  };
  Kind kind = Kind::kUploaded;
  std::string path = {};  // the local file (empty for Items)
  std::string key = {};   // where it went (or would go)
  std::uint64_t bytes = 0;
  std::string error = {};  // kFailed and the warnings: what happened; kNote: the note
  std::optional<ErrorCategory> category = {};  // the failure's, when there is one
  std::string s3_code = {};                    // for kFailed, when the server answered
  std::string request_id = {};                 // for kFailed, when the server answered
  double seconds = {};  // for kUploaded: from the upload's start to the server's answer
};

struct SyncReport {
  int scanned = 0;
  int unchanged = 0;          // journal says uploaded, stat (or content) unchanged
  int uploaded = 0;           // assets uploaded in this run (not counting already_there)
  int already_there = 0;      // the key already held this exact content (If-None-Match refused)
  int vanished = 0;           // pending files gone from the disk, removed from the journal
  int metadata_warnings = 0;  // archived although their metadata could not be read (all or some)
  int renamed = 0;            // took their next name: the first was held by other content
  int failed = 0;             // failed in this run
  int failed_earlier = 0;  // damaged files skipped because they have not changed since they failed
  int planned = 0;         // dry run: would upload
  int items_uploaded = 0;
  int items_failed = 0;
  int thumbnails_uploaded = 0;
  int thumbnails_failed = 0;  // not made or not uploaded; the Item then names none
  int parts_reused = 0;       // multipart parts found on the server after an interruption
  int parts_uploaded = 0;
  int aborted_uploads = 0;  // stale multipart uploads of our keys, aborted
  std::uint64_t bytes_uploaded = 0;
  std::uint64_t bytes_planned = 0;
  // Set when the destination itself refused or cannot be reached (credentials, missing bucket,
  // endpoint down after retries): the run stopped and the files it was working on stay pending.
  std::optional<Error> destination_error;
  bool cancelled = false;
  int not_ready = 0;                  // waiting for their completion marker
  std::vector<ScannedFile> deferred;  // too fresh (min_age) or waiting for a marker

  bool all_done() const {
    return failed == 0 && failed_earlier == 0 && items_failed == 0 && !destination_error;
  }
};

struct SyncProgress {
  // False while files are still being found (the walk goes on): the totals only grow until then,
  // so no ETA can be given.
  bool total_known = false;
  int files_total = 0;  // to upload in this run
  int files_done = 0;
  int files_failed = 0;
  std::uint64_t bytes_total = 0;
  std::uint64_t bytes_done = 0;
};

// kInvalidInput unless the configuration names a destination and at least one source folder;
// `sources_for` completes "no source folders..." (e.g. " to watch").
Status require_destination_and_sources(const config::AppConfig& config,
                                       const std::string& sources_for = "");

class SyncService {
 public:
  SyncService(const config::AppConfig& config, catalog::JournalStore& journal,
              s3::S3Client& client);

  std::function<void(const SyncEvent&)> on_event;
  std::function<void(const SyncProgress&)> on_progress;

  // An Error only when the run could not start or the journal failed; per-file failures are in
  // the report (and the journal).
  Result<SyncReport> run(const SyncOptions& options = {});

 private:
  struct Run;
  const config::AppConfig& config_;
  catalog::JournalStore& journal_;
  s3::S3Client& client_;
};

}  // namespace imgsync::app
