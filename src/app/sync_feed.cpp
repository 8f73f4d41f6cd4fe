#include "app/sync_feed.h"

#include <chrono>
#include <filesystem>
#include <system_error>

namespace imgsync::app {

using catalog::FileRecord;
using catalog::FileState;
using catalog::RecordErrorKind;

namespace {

// Known to be gone from the disk; a path that cannot be looked at (a folder on the way is
// unreadable, a dead mount) is not taken for gone.
bool gone(const std::string& path) {
  std::error_code error;
  return !std::filesystem::exists(path, error) && !error;
}

}  // namespace

SyncFeed::SyncFeed(const config::AppConfig& config, catalog::JournalStore& journal,
                   const SyncOptions& options, SyncReport& report, FeedHooks hooks)
    : config_(config),
      journal_(journal),
      options_(options),
      report_(report),
      hooks_(std::move(hooks)) {}

Status SyncFeed::begin() {
  if (options_.files) {
    given_.assign(options_.files->begin(), options_.files->end());
    return {};
  }
  walker_.emplace(config_.sources, [this](const auto& path, const std::string& why) {
    ++report_.failed;  // a file that cannot even be looked at is not archived
    hooks_.emit({.kind = SyncEvent::Kind::kFailed,
                 .path = path.string(),
                 .error = why,
                 .category = ErrorCategory::kLocalIo});
  });
  return walker_->start();
}

std::optional<FeedItem> SyncFeed::next() {
  while (auto file = next_candidate()) {
    auto record = journal_.find(file->path.string());
    if (!record.ok()) {
      hooks_.journal_failed(record.error());
      return std::nullopt;
    }
    if (!needs_work(*file, *record)) continue;
    if (!taken_.insert(file->path.string()).second) continue;  // given twice
    return FeedItem{std::move(*file), std::move(*record)};
  }
  return std::nullopt;
}

std::vector<ScannedFile> SyncFeed::give(std::vector<ScannedFile> files) {
  std::vector<ScannedFile> refused;
  for (auto& file : files) {
    if (taken_.count(file.path.string()) > 0) {
      refused.push_back(std::move(file));
    } else {
      given_.push_back(std::move(file));
    }
  }
  return refused;
}

std::optional<ScannedFile> SyncFeed::next_candidate() {
  if (!options_.files) {
    if (!walk_done_) {
      if (auto file = walker_->next()) return file;
      walk_done_ = true;
      queue_leftovers();
    }
    if (!leftovers_.empty()) {
      ScannedFile file = std::move(leftovers_.front());
      leftovers_.pop_front();
      return file;
    }
  }
  // Files given: by the caller (watch's ready files), or while the run goes on (give()).
  if (given_.empty()) return std::nullopt;
  ScannedFile file = std::move(given_.front());
  given_.pop_front();
  return file;
}

// Files handed over with `imgsync enqueue`, or left half-done, that the walk did not reach.
void SyncFeed::queue_leftovers() {
  for (FileState state : {FileState::kPending, FileState::kUploading}) {
    auto records = journal_.all(state);
    if (!records.ok()) return hooks_.journal_failed(records.error());
    for (const auto& record : *records) {
      if (taken_.count(record.path)) continue;
      if (auto file = scanned_from_record(record)) {
        leftovers_.push_back(std::move(*file));
      } else if (!options_.dry_run && gone(record.path)) {
        forget_vanished(record);
      }
    }
  }
}

void SyncFeed::forget_vanished(const FileRecord& record) {
  if (hooks_.vanishing) hooks_.vanishing(record);
  hooks_.journal_failed(journal_.remove(record.path));
  ++report_.vanished;
  hooks_.emit({.kind = SyncEvent::Kind::kVanished,
               .path = record.path,
               .key = record.object_key,
               .error = "the file is gone; it was never uploaded and is no longer pending",
               .category = ErrorCategory::kLocalIo});
}

bool SyncFeed::needs_work(ScannedFile& file, const std::optional<FileRecord>& record) {
  ++report_.scanned;
  if (!marker_present(file)) {
    ++report_.not_ready;
    report_.deferred.push_back(std::move(file));
    return false;
  }
  if (options_.min_age.count() > 0) {
    const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    if (now_ns - file.stat.mtime_ns <
        std::chrono::duration_cast<std::chrono::nanoseconds>(options_.min_age).count()) {
      report_.deferred.push_back(std::move(file));
      return false;
    }
  }
  if (record && file.stat.same_file(record->stat)) {
    if (record->state == FileState::kUploaded) {
      ++report_.unchanged;
      return false;
    }
    if (record->state == FileState::kFailed &&
        record->error_kind == RecordErrorKind(ErrorCategory::kInvalidInput)) {
      ++report_.failed_earlier;  // damaged and unchanged: `imgsync retry --all-failed`
      return false;
    }
  }
  return true;
}

}  // namespace imgsync::app
