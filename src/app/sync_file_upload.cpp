// The upload of one file of a sync run (app/sync_run.h): intent journaled, the transfer (single
// PUT or resumable multipart), what the server answered.
#include <chrono>
#include <cstdlib>

#include "app/sync_run.h"
#include "media/metadata_json.h"
#include "transfer/object_upload.h"
#include "util/error_predicates.h"

namespace imgsync::app {

catalog::FileRecord SyncService::Run::record_intent(const ScannedFile& file,
                                                    const std::optional<FileRecord>& previous,
                                                    const media::ImageMetadata& metadata,
                                                    const PlannedFile& planned) {
  const std::string path = file.path.string();
  FileRecord record = previous.value_or(FileRecord{});
  const bool same_content = previous && previous->sha256 == metadata.sha256;
  if (!same_content && !record.upload_id.empty()) {
    // The file changed under a half-done multipart upload: that upload can never complete.
    (void)service.client_.abort_multipart_upload(config().destination->bucket, record.object_key,
                                                 record.upload_id);
    ++report.aborted_uploads;
    journal_failed(journal().clear_upload(path));
    record.upload_id.clear();
  }
  record.path = path;
  record.source = file.source.string();
  record.kind = file.kind;
  record.stat = file.stat;
  record.sha256 = metadata.sha256;
  record.name = planned.name;
  record.object_key = planned.object_key;
  record.item_key = planned.item_key;
  record.state = FileState::kUploading;
  record.metadata_json = media::metadata_to_json(metadata).dump();
  journal_failed(journal().upsert(record));
  return record;
}

void SyncService::Run::upload(transfer::TaskQueue& queue, const ScannedFile& file,
                              const std::optional<FileRecord>& previous,
                              std::shared_ptr<Prepared> prepared, const PlannedFile& planned) {
  // Cancelled: work under way finishes, but no new file starts sending (this one stays
  // pending for the next run).
  if (cancelled()) return;
  auto overwrite = decide_overwrite(queue, file, previous, prepared, planned);
  if (!overwrite) return;
  const FileRecord record = record_intent(file, previous, prepared->metadata, planned);
  planner->journalled(planned.name, file);
  commit_journal();  // the intent is durable before any byte leaves
  if (stop) return;
  auto planned_file = std::make_shared<PlannedFile>(planned);
  publisher->asset_started(planned.name, file, prepared->metadata);
  if (overwrite->already_there) {
    // Killed after the server took it and before the journal heard: nothing to send.
    ++report.already_there;
    return after_upload(queue, file, prepared, planned_file, overwrite->existing, true,
                        std::chrono::steady_clock::duration{});
  }
  // record_intent kept the upload id only when the content is the same: a resume.
  send(queue, file, previous, prepared, planned_file, overwrite->if_none_match, record.upload_id);
}

void SyncService::Run::send(transfer::TaskQueue& queue, const ScannedFile& file,
                            const std::optional<FileRecord>& previous,
                            std::shared_ptr<Prepared> prepared,
                            std::shared_ptr<PlannedFile> planned_file, bool if_none_match,
                            const std::string& resume_upload_id) {
  const std::string path = file.path.string();
  const media::ImageMetadata& metadata = prepared->metadata;
  transfer::UploadJob job;
  job.path = file.path;
  job.size = file.stat.size;
  job.mtime_ns = file.stat.mtime_ns;
  job.inode = file.stat.inode;
  job.ctime_ns = file.stat.ctime_ns;
  job.digests = prepared->digests;
  job.bucket = config().destination->bucket;
  job.key = planned_file->object_key;
  job.attributes =
      upload_attributes(config(), metadata.mime, metadata.sha256, planned_file->item_key);
  job.if_none_match = if_none_match;
  job.multipart_threshold = config().upload.multipart_threshold;
  job.part_size = config().upload.part_size.value_or(0);
  job.list_parts_page_size = list_parts_page_size();
  job.resume_upload_id = resume_upload_id;
  if (job.size >= job.multipart_threshold) {
    if (!part_hashers)
      part_hashers = std::make_unique<transfer::OffLoop>(service.client_.engine(), 1);
    job.part_hashers = part_hashers.get();
  }

  auto stats = std::make_shared<transfer::UploadStats>();
  transfer::UploadCallbacks callbacks;
  callbacks.upload_created = [this, path](const std::string& upload_id, std::uint64_t part_size) {
    journal_failed(journal().set_upload(path, upload_id, part_size));
    commit_journal();  // a resume finds the upload before its first part is sent
  };
  callbacks.part_done = [this, path, key = planned_file->object_key](const s3::CompletedPart& part,
                                                                     std::uint64_t size) {
    auto found = journal().find(path);
    if (found.ok() && *found) {
      journal_failed(
          journal().add_part(path, (*found)->upload_id, {part.part_number, part.etag, size}));
    }
    emit({.kind = SyncEvent::Kind::kPartUploaded, .path = path, .key = key, .bytes = size});
  };
  callbacks.done =
      [this, file, previous, prepared, stats, planned_file, queue_ptr = &queue, if_none_match,
       started = std::chrono::steady_clock::now()](Result<s3::PutObjectResult> result) {
        report.parts_reused += stats->parts_reused;
        report.parts_uploaded += stats->parts_uploaded;
        sent(*queue_ptr, file, previous, prepared, planned_file, if_none_match, std::move(result),
             std::chrono::steady_clock::now() - started);
      };
  transfer::start_upload(queue, service.client_, std::move(job), std::move(callbacks), stats.get());
}

void SyncService::Run::sent(transfer::TaskQueue& queue, const ScannedFile& file,
                            const std::optional<FileRecord>& previous,
                            std::shared_ptr<Prepared> prepared,
                            std::shared_ptr<PlannedFile> planned_file, bool if_none_match,
                            Result<s3::PutObjectResult> result,
                            std::chrono::steady_clock::duration took) {
  bool there = false;
  if (!result.ok() && if_none_match && is_conflict(result.error())) {
    // The key is taken: by this very content (a run that died before the journal heard),
    // or by other content, which sends the file to its next name.
    auto at_key = inspect_key(planned_file->object_key, prepared->metadata.sha256, previous);
    if (at_key.ok() && at_key->at == AtKey::kOtherContent) {
      publisher->asset_finished(queue, planned_file->name, file);
      return rename(queue, file, previous, prepared, *planned_file);
    }
    if (at_key.ok() && at_key->at == AtKey::kThisContent) {
      result = at_key->held;
      there = true;
      ++report.already_there;
    }
  }
  after_upload(queue, file, prepared, planned_file, std::move(result), there, took);
}

void SyncService::Run::after_upload(transfer::TaskQueue& queue, const ScannedFile& file,
                                    std::shared_ptr<Prepared> prepared,
                                    std::shared_ptr<PlannedFile> planned,
                                    Result<s3::PutObjectResult> result, bool already_there,
                                    std::chrono::steady_clock::duration took) {
  finished(file, *planned, prepared->metadata, std::move(result), already_there, took);
  publisher->asset_finished(queue, planned->name, file);
}

int SyncService::Run::list_parts_page_size() {
  const char* text = std::getenv("IMGSYNC_TEST_LIST_PARTS_PAGE");
  const int size = text != nullptr ? std::atoi(text) : 0;
  return size > 0 && size <= 1000 ? size : 1000;
}

}  // namespace imgsync::app
