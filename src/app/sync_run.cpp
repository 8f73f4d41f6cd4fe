// The sync run's bookkeeping (app/sync_run.h): files fed in one by one, and how each one ends.
#include <chrono>

#include "app/journal_upkeep.h"
#include "app/sync_run.h"
#include "util/error_predicates.h"

namespace imgsync::app {

bool SyncService::Run::refill(transfer::TaskQueue& queue) {
  while (!stop && !cancelled()) {
    auto work = feed->next();
    if (!work && options.follow != nullptr && take_followed()) continue;
    if (!work) {
      progress.total_known = true;  // every file is found: the totals are final
      tick();
      return false;
    }
    progress.files_total += 1;
    progress.bytes_total += work->file.stat.size;
    if (!options.dry_run && !aborted_checked) {
      aborted_checked = true;  // only when there is work: an unchanged tree costs no request
      auto aborted = abort_abandoned_uploads(config(), journal(), service.client_);
      if (!aborted.ok()) return journal_failed(aborted.error()), false;
      report.aborted_uploads += *aborted;
    }
    if (start(queue, work->file, work->record)) return true;
  }
  return false;
}

bool SyncService::Run::take_followed() {
  auto ready = options.follow->take_ready();
  if (ready.empty()) return false;
  for (auto& again : feed->give(std::move(ready))) options.follow->give_back(std::move(again));
  return true;
}

void SyncService::Run::adopt_legacy_rows() {
  auto note = app::adopt_legacy_rows(config(), journal(), service.client_);
  if (!note.ok()) return journal_failed(note.error());
  if (*note) emit({.kind = SyncEvent::Kind::kNote, .error = **note});
}

void SyncService::Run::note_refusal(const Error& error) {
  auto stop_error = refusals.note(error, any_success);
  if (!stop_error || report.destination_error) return;
  report.destination_error = *stop_error;
  stop = true;
}

void SyncService::Run::record_state(const ScannedFile& file, FileState state,
                                    const std::string& why, const RecordErrorKind& kind) {
  const std::string path = file.path.string();
  auto known_record = journal().find(path);
  if (known_record.ok() && !*known_record) {
    FileRecord record;
    record.path = path;
    record.source = file.source.string();
    record.kind = file.kind;
    record.stat = file.stat;
    record.state = state;
    record.last_error = why;
    record.error_kind = kind;
    journal_failed(journal().upsert(record));
  } else {
    journal_failed(journal().set_state(path, state, why, kind));
  }
}

void SyncService::Run::fail(const ScannedFile& file, const Error& error) {
  ++report.failed;
  ++progress.files_failed;
  note_refusal(error);
  if (!options.dry_run) {
    const std::string path = file.path.string();
    // Only a file whose own bytes cannot be used is "damaged" (invalid-input, skipped until it
    // changes); a request the server refused is tried again next run.
    const RecordErrorKind kind =
        is_refused_request(error) ? RecordErrorKind::refused() : RecordErrorKind(error.category);
    record_state(file, FileState::kFailed, error.message, kind);
    journal_failed(journal().record_attempt(path));
  }
  emit({.kind = SyncEvent::Kind::kFailed,
        .path = file.path.string(),
        .error = error.message,
        .category = error.category,
        .s3_code = error.s3_code,
        .request_id = error.request_id});
  tick();
}

void SyncService::Run::claim_failed(const ScannedFile& file, const PlannedFile& planned,
                                    Error error) {
  progress.files_done += 1;
  progress.bytes_done += file.stat.size;
  if (destination_unusable(error)) {
    if (!report.destination_error) report.destination_error = error;
    stop = true;
    // Pending, so status and a paused daemon count it; the next run starts it again.
    record_state(file, FileState::kPending, error.message, RecordErrorKind(error.category));
    return;
  }
  error.message = "claiming the name " + planned.name + ": " + error.message;
  fail(file, error);
}

void SyncService::Run::finished(const ScannedFile& file, const PlannedFile& planned,
                                const media::ImageMetadata& metadata,
                                Result<s3::PutObjectResult> result, bool already_there,
                                std::chrono::steady_clock::duration took) {
  const std::string path = file.path.string();
  progress.files_done += 1;
  progress.bytes_done += file.stat.size;
  if (!result.ok()) {
    Error error = result.take_error();
    if (destination_unusable(error)) {
      if (!report.destination_error) report.destination_error = error;
      stop = true;
      journal_failed(journal().set_state(path, FileState::kPending, error.message,
                                         RecordErrorKind(error.category)));
      return;
    }
    return fail(file, error);
  }
  auto item = publisher->item_with_asset(file, planned.name, planned.item_key, planned.object_key,
                                         metadata);
  if (!item.ok()) return fail(file, item.error());
  const bool thumbnail_due = publisher->thumbnail_due(*item, file, planned.name, planned.item_key);
  journal_failed(journal().complete_file(path, planned.name, item->dump(), result->etag,
                                         result->version_id, thumbnail_due));
  index_item(*item, planned.item_key);
  any_success = true;
  if (!already_there) {
    ++report.uploaded;
    report.bytes_uploaded += file.stat.size;
  }
  emit({.kind = SyncEvent::Kind::kUploaded,
        .path = path,
        .key = planned.object_key,
        .bytes = file.stat.size,
        .seconds = std::chrono::duration<double>(took).count()});
  tick();
}

}  // namespace imgsync::app
