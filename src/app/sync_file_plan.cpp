// One file of a sync run from its read to its upload (app/sync_run.h): unchanged or not, named,
// its capture's name claimed, renamed, the overwrite rule.
#include <fmt/format.h>

#include "app/sync_run.h"

namespace imgsync::app {

bool SyncService::Run::start(transfer::TaskQueue& queue, const ScannedFile& file,
                             const std::optional<FileRecord>& previous) {
  const bool large = file.stat.size >= config().upload.multipart_threshold;
  return reader->read(queue, file.path, large,
                      [this, &queue, file, previous](Result<media::ImageMetadata> metadata,
                                                     const FileDigests& digests) {
                        // Read ahead of a stop: left for the next run, as if never started.
                        if (stop || cancelled()) return false;
                        auto prepared = std::make_shared<Prepared>();
                        prepared->digests = digests;
                        return prepare(queue, file, previous, prepared, std::move(metadata));
                      });
}

bool SyncService::Run::prepare(transfer::TaskQueue& queue, const ScannedFile& file,
                               const std::optional<FileRecord>& previous,
                               std::shared_ptr<Prepared> prepared,
                               Result<media::ImageMetadata> metadata) {
  const std::string path = file.path.string();
  if (!metadata.ok()) return fail(file, metadata.error()), false;
  // Re-stat: what was hashed must be what was scanned, else it is still being written.
  auto now = stat_file(file.path);
  if (!now.ok()) return fail(file, now.error()), false;
  if (!(*now == file.stat) || prepared->digests.bytes != file.stat.size) {
    return fail(file, make_error(ErrorCategory::kRetryable,
                                 path + " changed while it was read; it is retried next time")),
           false;
  }
  if (previous && previous->state == FileState::kUploaded && previous->sha256 == metadata->sha256) {
    // Touched, not changed: remember the new stat, upload nothing.
    ++report.unchanged;
    --progress.files_total;
    progress.bytes_total -= file.stat.size;
    if (!options.dry_run) journal_failed(journal().update_stat(path, file.stat));
    return false;
  }
  if (!metadata->metadata_error.empty()) {
    ++report.metadata_warnings;
    emit({.kind = SyncEvent::Kind::kMetadataWarning,
          .path = path,
          .error = metadata->metadata_error,
          .category = ErrorCategory::kInvalidInput});
  }
  prepared->metadata = std::move(*metadata);
  return launch(queue, file, previous, prepared);
}

bool SyncService::Run::launch(transfer::TaskQueue& queue, const ScannedFile& file,
                              const std::optional<FileRecord>& previous,
                              std::shared_ptr<Prepared> prepared) {
  auto planned = planner->plan(file, prepared->metadata, previous, options.dry_run);
  if (!planned.ok()) return fail(file, planned.error()), false;
  if (options.dry_run) {
    ++report.planned;
    report.bytes_planned += file.stat.size;
    emit({.kind = SyncEvent::Kind::kPlanned,
          .path = file.path.string(),
          .key = planned->object_key,
          .bytes = file.stat.size});
    return false;
  }
  if (planned->claimed) {
    upload(queue, file, previous, prepared, std::move(*planned));
    return true;
  }
  auto shared_planned = std::make_shared<PlannedFile>(std::move(*planned));
  claims->claim(queue, *shared_planned, [=, this, &queue](Result<bool> ours) {
    if (!ours.ok()) return claim_failed(file, *shared_planned, ours.take_error());
    if (!*ours) return rename(queue, file, previous, prepared, *shared_planned);
    upload(queue, file, previous, prepared, *shared_planned);
  });
  return true;
}

void SyncService::Run::rename(transfer::TaskQueue& queue, const ScannedFile& file,
                              const std::optional<FileRecord>& previous,
                              std::shared_ptr<Prepared> prepared, const PlannedFile& planned) {
  constexpr int kMaxRenames = 16;
  if (Status ok = planner->release_name(planned, file); !ok.ok()) return journal_failed(ok);
  if (++prepared->renames > kMaxRenames) {
    return fail(file, make_error(ErrorCategory::kConflict,
                                 fmt::format("{}: {} names in a row are held by other content "
                                             "on the bucket; set another name_template",
                                             file.path.string(), kMaxRenames)));
  }
  ++report.renamed;
  emit({.kind = SyncEvent::Kind::kRenamed,
        .path = file.path.string(),
        .key = planned.object_key,
        .error = "the name " + planned.name + " is held by other content on the bucket"});
  std::optional<FileRecord> forgotten = previous;
  if (forgotten) forgotten->name.clear();
  launch(queue, file, forgotten, prepared);
}

Result<KeyState> SyncService::Run::inspect_key(const std::string& key, const std::string& sha,
                                               const std::optional<FileRecord>& previous) {
  return app::inspect_key(service.client_, config().destination->bucket, key, sha,
                          previous ? previous->confirmed_key : std::string(),
                          previous ? previous->confirmed_sha256 : std::string());
}

std::optional<SyncService::Run::Overwrite> SyncService::Run::decide_overwrite(
    transfer::TaskQueue& queue, const ScannedFile& file, const std::optional<FileRecord>& previous,
    const std::shared_ptr<Prepared>& prepared, const PlannedFile& planned) {
  const bool multipart = file.stat.size >= config().upload.multipart_threshold;
  const bool replaces_own = previous && previous->confirmed_key == planned.object_key &&
                            !previous->confirmed_sha256.empty();
  Overwrite overwrite;
  if (!replaces_own && !multipart) return overwrite;
  // Multipart uploads cannot carry If-None-Match on every server: look first.
  auto at_key = inspect_key(planned.object_key, prepared->metadata.sha256, previous);
  if (!at_key.ok()) return claim_failed(file, planned, at_key.take_error()), std::nullopt;
  if (at_key->at == AtKey::kOtherContent) {
    return rename(queue, file, previous, prepared, planned), std::nullopt;
  }
  overwrite.if_none_match = at_key->at != AtKey::kOurEarlierVersion;
  overwrite.already_there = at_key->at == AtKey::kThisContent;
  overwrite.existing = at_key->held;
  if (previous && previous->error_kind == RecordErrorKind::repair() && at_key->at != AtKey::kFree) {
    // verify found our object altered (its bytes no longer hash to what it claims).
    overwrite.if_none_match = false;
    overwrite.already_there = false;
  }
  return overwrite;
}

}  // namespace imgsync::app
