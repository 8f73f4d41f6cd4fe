// The first part of a sync: which files need work. One file at a time, so memory stays flat
// however many files there are: the files given (watch hands over the ones that just became
// ready), else a walk of the sources followed by the journal's pending files that no walk covers
// (enqueued elsewhere, or left half-done). Each is compared with this destination's journal
// record: unchanged ones (same size, mtime, inode and ctime, confirmed here), damaged ones that
// did not change since, and ones not yet ready (too fresh, or waiting for their completion
// marker) are counted in the report and skipped. Pending files gone from the disk leave the
// journal (reported once).
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "app/source_scanner.h"
#include "app/sync_service.h"
#include "catalog/journal_store.h"
#include "config/app_config.h"

namespace imgsync::app {

struct FeedHooks {
  std::function<void(const SyncEvent&)> emit;
  std::function<void(const Status&)> journal_failed;
  // A pending record whose file is gone, about to leave the journal (e.g. to abort its upload).
  std::function<void(const catalog::FileRecord&)> vanishing;
};

// A file that needs work, with its journal record for this destination (if any).
struct FeedItem {
  ScannedFile file;
  std::optional<catalog::FileRecord> record;
};

class SyncFeed {
 public:
  SyncFeed(const config::AppConfig& config, catalog::JournalStore& journal,
           const SyncOptions& options, SyncReport& report, FeedHooks hooks);

  // Checks that every source folder exists and can be read (not for given files).
  Status begin();
  // The next file that needs work; nullopt at the end (or when the journal failed).
  std::optional<FeedItem> next();
  // More files for this run (watch: ready while it runs). A file this run already took is not
  // given twice: it is returned, to wait for the next run.
  std::vector<ScannedFile> give(std::vector<ScannedFile> files);

 private:
  std::optional<ScannedFile> next_candidate();
  void queue_leftovers();
  bool needs_work(ScannedFile& file, const std::optional<catalog::FileRecord>& record);
  void forget_vanished(const catalog::FileRecord& record);

  const config::AppConfig& config_;
  catalog::JournalStore& journal_;
  const SyncOptions& options_;
  SyncReport& report_;
  FeedHooks hooks_;
  std::deque<ScannedFile> given_;
  std::optional<SourceWalker> walker_;
  bool walk_done_ = false;
  std::deque<ScannedFile> leftovers_;
  std::unordered_set<std::string> taken_;  // files handed out in this run
};

}  // namespace imgsync::app
