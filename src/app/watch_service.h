// `imgsync watch`: the sync engine driven by inotify. A file counts as ready when it was closed
// after writing (or moved in), has kept its size and mtime for the settle time, and, where its
// source asks for one, its completion marker or sidecar exists. Ready files go through the same
// journal and upload path as `sync`. Nothing is lost: every start, every inotify queue overflow
// and every recovery from an unreachable endpoint rescans the folders against the journal.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "app/sync_service.h"
#include "catalog/journal_store.h"
#include "config/app_config.h"
#include "s3/s3_client.h"
#include "util/result.h"

namespace imgsync::app {

// The file whose closing tells a watching daemon that `imgsync enqueue` recorded work.
inline constexpr const char* kEnqueueNotice = "enqueue.notice";

struct WatchOptions {
  bool once = false;                          // exit when nothing is pending (tests, cron)
  const std::atomic<bool>* stop = nullptr;    // SIGTERM/SIGINT: finish in-flight work, exit
  const std::atomic<bool>* reload = nullptr;  // SIGHUP: return so the caller reloads the config
  int wake_fd = -1;  // readable when a signal arrived (self-pipe), so the loop wakes at once
  std::chrono::milliseconds max_backoff{60000};
  // Worker processes that read the files' metadata (SyncOptions::metadata_pool); nullptr: read
  // in this process. Not owned: it outlives configuration reloads.
  media::MetadataWorkerPool* metadata_pool = nullptr;
};

enum class WatchExit { kStopped, kReload, kIdle };

// The pause after a pass that found the destination unusable: 1 s after the first, doubling
// after each pass that still finds it so, at most `max` (WatchOptions::max_backoff, 60 s).
std::chrono::milliseconds next_backoff(std::chrono::milliseconds current,
                                       std::chrono::milliseconds max);

class WatchService {
 public:
  WatchService(const config::AppConfig& config, catalog::JournalStore& journal,
               s3::S3Client& client);

  std::function<void(const SyncEvent&)> on_event;
  // One line for the operator: "watching 3 folders", "endpoint unreachable, retrying in 4 s".
  std::function<void(const std::string&)> on_notice;
  // The queue paused (destination unusable: why) or resumed (paused = false).
  std::function<void(bool paused, const std::string& why)> on_pause;
  // How many files the daemon holds: settling or waiting for a marker, those of the current
  // upload pass not finished yet, and while paused the journal's pending ones. Called on change.
  std::function<void(int files)> on_queue_depth;

  // Errors: the folders cannot be watched, or the journal failed.
  Result<WatchExit> run(const WatchOptions& options);

  // Totals over the whole run, for --once summaries.
  const SyncReport& totals() const { return totals_; }

 private:
  struct Loop;
  const config::AppConfig& config_;
  catalog::JournalStore& journal_;
  s3::S3Client& client_;
  SyncReport totals_;
};

}  // namespace imgsync::app
