#include "app/sync_service.h"

#include <fmt/format.h>

#include <chrono>
#include <deque>
#include <future>
#include <memory>
#include <set>
#include <unordered_set>

#include "app/capture_planner.h"
#include "app/fallback_metadata.h"
#include "app/source_scanner.h"
#include "catalog/search_index.h"
#include "media/metadata_extractor.h"
#include "media/metadata_json.h"
#include "media/object_keys.h"
#include "media/stac_item.h"
#include "media/thumbnail.h"
#include "s3/s3_object_headers.h"
#include "transfer/object_upload.h"
#include "transfer/task_queue.h"

namespace imgsync::app {
namespace {

using catalog::FileRecord;
using catalog::FileState;

// The destination as a whole refuses, or cannot be reached even after the retries: stop instead
// of failing every file.
bool destination_unusable(const Error& error) {
  return error.category == ErrorCategory::kAuth ||
         (error.category == ErrorCategory::kNotFound && error.s3_code == "NoSuchBucket") ||
         ((error.category == ErrorCategory::kRetryable ||
           error.category == ErrorCategory::kThrottled) &&
          error.http_status == 0) ||
         s3::is_untrusted_certificate(error);
}

}  // namespace

// The state of one run: the files still to look at, the uploads in flight, the counters.
struct SyncService::Run {
  SyncService& service;
  SyncOptions options;
  SyncReport report;
  SyncProgress progress;
  // Where files come from, one at a time: the files given (watch), else a walk of the sources
  // followed by the journal's pending files that no walk covers (enqueued elsewhere). Memory
  // stays flat: nothing holds the whole tree.
  std::deque<ScannedFile> given;
  std::optional<SourceWalker> walker;
  bool walk_done = false;
  std::deque<ScannedFile> leftovers;
  std::unordered_set<std::string> taken;  // files started in this run (not the unchanged ones)
  bool aborted_checked = false;
  std::unique_ptr<CapturePlanner> planner;
  std::unique_ptr<catalog::SearchIndex> index;  // kept current beside the journal
  std::optional<Error> fatal;                   // journal failure: stop
  bool stop = false;

  Run(SyncService& owner, SyncOptions run_options) : service(owner), options(run_options) {}

  catalog::JournalStore& journal() { return service.journal_; }
  const config::AppConfig& config() { return service.config_; }

  bool cancelled() const { return options.cancel != nullptr && options.cancel->load(); }

  void emit(SyncEvent event) {
    if (service.on_event) service.on_event(event);
  }
  void tick() {
    if (service.on_progress) service.on_progress(progress);
  }
  void journal_failed(const Status& status) {
    if (!status.ok() && !fatal) {
      fatal = status.error();
      stop = true;
    }
  }

  // A server that refuses every request the same way (a bad storage class, an encryption
  // setting it does not support) refuses the run, not the files: after this many such failures
  // in a row and no success, the run stops and names the setting.
  static constexpr int kSameRefusalLimit = 3;
  int same_refusals = 0;
  std::string last_refusal;
  bool any_success = false;

  void note_refusal(const Error& error) {
    if (error.http_status == 0 || error.category == ErrorCategory::kConflict || any_success) {
      same_refusals = 0;
      return;
    }
    const std::string signature = error.s3_code + "/" + std::to_string(error.http_status);
    same_refusals = signature == last_refusal ? same_refusals + 1 : 1;
    last_refusal = signature;
    if (same_refusals < kSameRefusalLimit || report.destination_error) return;
    Error stop_error = error;
    stop_error.message = fmt::format(
        "the server refused {} files in a row the same way ({}), so the run stopped: {}. Check "
        "the settings every upload carries ([upload] storage_class / --storage-class, "
        "server_side_encryption / --sse, sse_kms_key_id); the files stay pending for the next run",
        same_refusals,
        error.s3_code.empty() ? "HTTP " + std::to_string(error.http_status) : error.s3_code,
        error.message);
    report.destination_error = stop_error;
    stop = true;
  }

  void fail(const ScannedFile& file, const Error& error) {
    ++report.failed;
    ++progress.files_failed;
    note_refusal(error);
    if (!options.dry_run) {
      const std::string path = file.path.string();
      // Only a file whose own bytes cannot be used is "damaged" (invalid-input, skipped until it
      // changes); a request the server refused is tried again next run.
      const std::string category =
          error.http_status != 0 && error.category == ErrorCategory::kInvalidInput
              ? std::string("refused")
              : std::string(to_string(error.category));
      auto known_record = journal().find(path);
      if (known_record.ok() && !*known_record) {
        FileRecord record;  // failed before any intent was recorded: remember why
        record.path = path;
        record.source = file.source.string();
        record.kind = config::to_string(file.kind);
        record.stat = file.stat;
        record.state = FileState::kFailed;
        record.last_error = error.message;
        record.error_category = category;
        journal_failed(journal().upsert(record));
      } else {
        journal_failed(journal().set_state(path, FileState::kFailed, error.message, category));
      }
      journal_failed(journal().record_attempt(path));
    }
    emit({SyncEvent::Kind::kFailed, file.path.string(), "", 0, error.message,
          std::string(to_string(error.category)), error.s3_code, error.request_id});
    tick();
  }

  Status begin() {
    if (options.files) {
      given.assign(options.files->begin(), options.files->end());
      return {};
    }
    walker.emplace(config().sources, [this](const auto& path, const std::string& why) {
      emit({SyncEvent::Kind::kFailed, path.string(), "", 0, why, "local-io"});
    });
    return walker->start();
  }

  std::optional<ScannedFile> next_candidate() {
    if (options.files) {
      if (given.empty()) return std::nullopt;
      ScannedFile file = std::move(given.front());
      given.pop_front();
      return file;
    }
    if (!walk_done) {
      if (auto file = walker->next()) return file;
      walk_done = true;
      // Files handed over with `imgsync enqueue`, or left half-done, that the walk did not reach.
      for (FileState state : {FileState::kPending, FileState::kUploading}) {
        auto records = journal().all(state);
        if (!records.ok()) {
          journal_failed(records.error());
          return std::nullopt;
        }
        for (const auto& record : *records) {
          if (taken.count(record.path)) continue;
          if (auto file = scanned_from_record(record)) {
            leftovers.push_back(std::move(*file));
          } else if (!options.dry_run && !std::filesystem::exists(record.path)) {
            forget_vanished(record);
          }
        }
      }
    }
    if (leftovers.empty()) return std::nullopt;
    ScannedFile file = std::move(leftovers.front());
    leftovers.pop_front();
    return file;
  }

  // A pending file that is gone from the disk leaves the journal (it can never be uploaded);
  // reported once, since the record is gone afterwards. Uploaded objects are kept.
  void forget_vanished(const FileRecord& record) {
    if (!record.upload_id.empty()) {
      (void)service.client_.abort_multipart_upload(config().destination->bucket, record.object_key,
                                                   record.upload_id);
    }
    journal_failed(journal().remove(record.path));
    ++report.vanished;
    emit({SyncEvent::Kind::kVanished, record.path, record.object_key, 0,
          "the file is gone; it was never uploaded and is no longer pending", "local-io"});
  }

  // A journal written before destinations were recorded: its rows belong to the destination
  // that holds their objects. Up to three recent uploads are looked up here; if one is there
  // with the recorded content, the rows become this destination's. Otherwise they stay apart
  // (another destination's), and this destination's files are planned from scratch.
  void adopt_legacy_rows() {
    auto count = journal().legacy_row_count();
    if (!count.ok() || *count == 0 || journal().destination().empty()) return;
    auto sample = journal().legacy_uploaded_sample(3);
    if (!sample.ok()) return;
    auto prefix = media::normalize_prefix(config().destination->key);
    const std::string under = prefix.ok() && !prefix->empty() ? *prefix + "/" : "";
    for (const auto& record : *sample) {
      if (record.object_key.rfind(under, 0) != 0) continue;  // another prefix's object
      auto head = service.client_.head_object(config().destination->bucket, record.object_key);
      if (head.ok() && head->metadata["imgsync-sha256"] == record.sha256) {
        journal_failed(journal().adopt_legacy_rows());
        emit({SyncEvent::Kind::kNote, "", record.object_key, 0,
              fmt::format("the journal's {} records from before destinations were recorded "
                          "belong to s3://{}/{} (its objects are there): adopted",
                          *count, config().destination->bucket, config().destination->key),
              ""});
        return;
      }
    }
  }

  // Whether a file needs work; counts the ones that do not.
  bool needs_work(ScannedFile& file, const std::optional<FileRecord>& record) {
    ++report.scanned;
    if (!marker_present(file)) {
      ++report.not_ready;
      report.deferred.push_back(std::move(file));
      return false;
    }
    if (options.min_age.count() > 0) {
      const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      if (now_ns - file.stat.mtime_ns <
          std::chrono::duration_cast<std::chrono::nanoseconds>(options.min_age).count()) {
        report.deferred.push_back(std::move(file));
        return false;
      }
    }
    if (record && file.stat.same_file(record->stat)) {
      if (record->state == FileState::kUploaded) {
        ++report.unchanged;
        return false;
      }
      if (record->state == FileState::kFailed && record->error_category == "invalid-input") {
        ++report.failed_earlier;  // damaged and unchanged: `imgsync retry --all-failed`
        return false;
      }
    }
    return true;
  }

  // Multipart uploads of our own keys that the journal does not continue: left by a run that died
  // between CreateMultipartUpload and recording the upload id, or by content that changed since.
  // Uploads of keys the journal does not know are someone else's and are left alone. Only when
  // there is work: an unchanged tree costs no request.
  void abort_abandoned_uploads() {
    const std::string bucket = config().destination->bucket;
    auto prefix = media::normalize_prefix(config().destination->key);
    auto uploads = service.client_.list_multipart_uploads(bucket, prefix.ok() ? *prefix : "");
    if (!uploads.ok() || uploads->empty()) return;  // a listing failure surfaces on upload
    auto records = journal().all();
    if (!records.ok()) return journal_failed(records.error());
    std::map<std::string, std::set<std::string>> live;  // key -> upload ids the journal continues
    for (const auto& record : *records) {
      if (!record.object_key.empty()) live[record.object_key].insert(record.upload_id);
    }
    for (const auto& upload : *uploads) {
      auto owner = live.find(upload.key);
      if (owner == live.end() || owner->second.count(upload.upload_id) > 0) continue;
      if (service.client_.abort_multipart_upload(bucket, upload.key, upload.upload_id).ok()) {
        ++report.aborted_uploads;
      }
    }
  }

  // Walks on until one upload is started (or nothing is left).
  bool refill(transfer::TaskQueue& queue) {
    while (!stop && !cancelled()) {
      auto file = next_candidate();
      if (!file) return false;
      auto record = journal().find(file->path.string());
      if (!record.ok()) return journal_failed(record.error()), false;
      if (!needs_work(*file, *record)) continue;
      if (!taken.insert(file->path.string()).second) continue;  // given twice
      progress.files_total += 1;
      progress.bytes_total += file->stat.size;
      if (!options.dry_run && !aborted_checked) {
        aborted_checked = true;  // only when there is work: an unchanged tree costs no request
        abort_abandoned_uploads();
      }
      if (start(queue, *file, *record)) return true;
    }
    return false;
  }

  // What start() read of a file, kept while its name is claimed and its upload runs.
  struct Prepared {
    media::ImageMetadata metadata;
    FileDigests digests;
    int renames = 0;  // names given up because other content held them
  };

  // The file's metadata and digests. Metadata that cannot be read never stops the upload: the
  // file goes up with its size, hash, type and file time, and its Item says what failed. Only a
  // file that cannot be read at all fails.
  Result<media::ImageMetadata> read_file(const ScannedFile& file, FileDigests& digests) {
    auto metadata = media::extract_metadata(file.path, &digests);
    if (metadata.ok() || metadata.error().category == ErrorCategory::kLocalIo) return metadata;
    return fallback_metadata(file.path, metadata.error(), digests);
  }

  // `previous`: the journal's record of the file, as looked up by refill().
  bool start(transfer::TaskQueue& queue, const ScannedFile& file,
             const std::optional<FileRecord>& previous) {
    const std::string path = file.path.string();
    auto prepared = std::make_shared<Prepared>();
    auto metadata = read_file(file, prepared->digests);
    if (!metadata.ok()) return fail(file, metadata.error()), false;
    // Re-stat: what was hashed must be what was scanned, else it is still being written.
    auto now = stat_file(file.path);
    if (!now.ok()) return fail(file, now.error()), false;
    if (!(*now == file.stat) || prepared->digests.bytes != file.stat.size) {
      return fail(file, make_error(ErrorCategory::kRetryable,
                                   path + " changed while it was read; it is retried next time")),
             false;
    }
    if (previous && previous->state == FileState::kUploaded &&
        previous->sha256 == metadata->sha256) {
      // Touched, not changed: remember the new stat, upload nothing.
      ++report.unchanged;
      --progress.files_total;
      progress.bytes_total -= file.stat.size;
      if (!options.dry_run) journal_failed(journal().update_stat(path, file.stat));
      return false;
    }
    if (!metadata->metadata_error.empty()) {
      ++report.metadata_warnings;
      emit({SyncEvent::Kind::kMetadataWarning, path, "", 0, metadata->metadata_error,
            "invalid-input"});
    }
    prepared->metadata = std::move(*metadata);
    return launch(queue, file, previous, prepared);
  }

  // Names the file, wins its capture's name on the bucket when that is not yet done, then uploads.
  bool launch(transfer::TaskQueue& queue, const ScannedFile& file,
              const std::optional<FileRecord>& previous, std::shared_ptr<Prepared> prepared) {
    auto planned = planner->plan(file, prepared->metadata, previous, options.dry_run);
    if (!planned.ok()) return fail(file, planned.error()), false;
    if (options.dry_run) {
      ++report.planned;
      report.bytes_planned += file.stat.size;
      emit({SyncEvent::Kind::kPlanned, file.path.string(), planned->object_key, file.stat.size, "",
            ""});
      return false;
    }
    if (planned->claimed) {
      upload(queue, file, previous, prepared, std::move(*planned));
      return true;
    }
    auto shared_planned = std::make_shared<PlannedFile>(std::move(*planned));
    claim_name(queue, *shared_planned, [=, this, &queue](Result<bool> ours) {
      if (!ours.ok()) return claim_failed(file, *shared_planned, ours.take_error());
      if (!*ours) return rename(queue, file, previous, prepared, *shared_planned);
      upload(queue, file, previous, prepared, *shared_planned);
    });
    return true;
  }

  // The name is held by other content on the bucket: the file takes its next name.
  void rename(transfer::TaskQueue& queue, const ScannedFile& file,
              const std::optional<FileRecord>& previous, std::shared_ptr<Prepared> prepared,
              const PlannedFile& planned) {
    constexpr int kMaxRenames = 16;
    if (Status ok = planner->release_name(planned, file); !ok.ok()) return journal_failed(ok);
    if (++prepared->renames > kMaxRenames) {
      return fail(file, make_error(ErrorCategory::kConflict,
                                   fmt::format("{}: {} names in a row are held by other content "
                                               "on the bucket; set another name_template",
                                               file.path.string(), kMaxRenames)));
    }
    ++report.renamed;
    emit({SyncEvent::Kind::kRenamed, file.path.string(), planned.object_key, 0,
          "the name " + planned.name + " is held by other content on the bucket", ""});
    std::optional<FileRecord> forgotten = previous;
    if (forgotten) forgotten->name.clear();
    launch(queue, file, forgotten, prepared);
  }

  void claim_failed(const ScannedFile& file, const PlannedFile& planned, Error error) {
    progress.files_done += 1;
    progress.bytes_done += file.stat.size;
    if (destination_unusable(error)) {
      if (!report.destination_error) report.destination_error = error;
      stop = true;
      return;
    }
    error.message = "claiming the name " + planned.name + ": " + error.message;
    fail(file, error);
  }

  // A capture's name is won on the bucket by a small put-if-absent claim object naming the
  // content that owns it: a single PUT with If-None-Match holds on every S3 (Ceph RGW ignores
  // preconditions on CompleteMultipartUpload, so a multipart file could not win its key itself).
  // A claim that already names this capture's content is ours (an earlier run, or the other file
  // of the capture). `done(true)`: ours; `done(false)`: held by other content.
  void claim_name(transfer::TaskQueue& queue, const PlannedFile& planned,
                  std::function<void(Result<bool>)> done) {
    const std::string body = nlohmann::json{
        {"name", planned.name},
        {"item", planned.item_key},
        {"owner_sha256",
         planned.owner_sha256}}.dump();
    auto put = small_object_put(
        planned.claim_key,
        upload_attributes("application/json", planned.owner_sha256, planned.item_key), body);
    put.headers.push_back({"If-None-Match", "*"});
    queue.push_urgent([this, &queue, put = std::move(put), planned,
                       done](transfer::TaskQueue::Finished finished) mutable {
      service.client_.send_async(
          std::move(put), [this, &queue, planned, done, finished](Result<s3::HttpResponse> r) {
            finished();
            if (r.ok()) return claimed(planned, done);
            if (r.error().category != ErrorCategory::kConflict) return done(r.take_error());
            check_claim(queue, planned, done);
          });
    });
  }

  void check_claim(transfer::TaskQueue& queue, const PlannedFile& planned,
                   std::function<void(Result<bool>)> done) {
    queue.push_urgent([this, planned, done](transfer::TaskQueue::Finished finished) {
      s3::S3Request head;
      head.operation = "HeadObject";
      head.method = "HEAD";
      head.bucket = config().destination->bucket;
      head.key = planned.claim_key;
      service.client_.send_async(
          std::move(head), [this, planned, done, finished](Result<s3::HttpResponse> r) {
            finished();
            if (!r.ok()) return done(r.take_error());
            if (r->header("x-amz-meta-imgsync-sha256") != planned.owner_sha256) return done(false);
            claimed(planned, done);
          });
    });
  }

  void claimed(const PlannedFile& planned, const std::function<void(Result<bool>)>& done) {
    journal_failed(journal().set_capture_claimed(planned.name));
    done(true);
  }

  // What is at the key before an edit replaces it: imgsync replaces only the object it confirmed
  // there itself (its imgsync-sha256 is the hash the journal confirmed), so an edit goes through
  // even after a killed re-upload, and other content is never overwritten.
  enum class AtKey { kFree, kOurEarlierVersion, kThisContent, kOtherContent };
  Result<AtKey> inspect_key(const std::string& key, const std::string& sha,
                            const std::optional<FileRecord>& previous) {
    auto head = service.client_.head_object(config().destination->bucket, key);
    if (!head.ok()) {
      if (head.error().category == ErrorCategory::kNotFound) return AtKey::kFree;
      return head.take_error();
    }
    const std::string held = head->metadata["imgsync-sha256"];
    if (held == sha) return AtKey::kThisContent;
    if (previous && previous->confirmed_key == key && !previous->confirmed_sha256.empty() &&
        held == previous->confirmed_sha256) {
      return AtKey::kOurEarlierVersion;
    }
    return AtKey::kOtherContent;
  }

  void upload(transfer::TaskQueue& queue, const ScannedFile& file,
              const std::optional<FileRecord>& previous, std::shared_ptr<Prepared> prepared,
              const PlannedFile& planned) {
    const std::string path = file.path.string();
    const media::ImageMetadata& metadata = prepared->metadata;
    const bool multipart = file.stat.size >= config().upload.multipart_threshold;
    const bool replaces_own = previous && previous->confirmed_key == planned.object_key &&
                              !previous->confirmed_sha256.empty();
    bool if_none_match = true;
    bool already_there = false;
    std::optional<s3::PutObjectResult> existing;
    if (replaces_own || multipart) {
      // Multipart uploads cannot carry If-None-Match on every server: look first.
      auto at_key = inspect_key(planned.object_key, metadata.sha256, previous);
      if (!at_key.ok()) return claim_failed(file, planned, at_key.take_error());
      if (*at_key == AtKey::kOtherContent) {
        return rename(queue, file, previous, prepared, planned);
      }
      if_none_match = *at_key != AtKey::kOurEarlierVersion;
      already_there = *at_key == AtKey::kThisContent;
      if (previous && previous->error_category == "repair" && *at_key != AtKey::kFree) {
        // verify found our object altered (its bytes no longer hash to what it claims).
        if_none_match = false;
        already_there = false;
      }
    }

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
    record.kind = config::to_string(file.kind);
    record.stat = file.stat;
    record.sha256 = metadata.sha256;
    record.name = planned.name;
    record.object_key = planned.object_key;
    record.item_key = planned.item_key;
    record.state = FileState::kUploading;
    record.metadata_json = media::metadata_to_json(metadata).dump();
    journal_failed(journal().upsert(record));  // intent, before any byte leaves
    if (stop) return;

    auto planned_file = std::make_shared<PlannedFile>(planned);
    ++files_in_flight[planned.name];
    if (already_there) {
      // Killed after the server took it and before the journal heard: nothing to send.
      ++report.already_there;
      auto head = service.client_.head_object(config().destination->bucket, planned.object_key);
      s3::PutObjectResult result;
      if (head.ok()) result = {head->etag, head->version_id};
      return after_upload(queue, file, prepared, planned_file, result, true,
                          std::chrono::steady_clock::duration{});
    }

    transfer::UploadJob job;
    job.path = file.path;
    job.size = file.stat.size;
    job.mtime_ns = file.stat.mtime_ns;
    job.inode = file.stat.inode;
    job.ctime_ns = file.stat.ctime_ns;
    job.digests = prepared->digests;
    job.bucket = config().destination->bucket;
    job.key = planned.object_key;
    job.attributes = upload_attributes(metadata.mime, metadata.sha256, planned.item_key);
    job.if_none_match = if_none_match;
    job.multipart_threshold = config().upload.multipart_threshold;
    job.part_size = config().upload.part_size.value_or(0);
    job.list_parts_page_size = list_parts_page_size();
    if (same_content) job.resume_upload_id = record.upload_id;

    start_thumbnail(file, metadata);  // on a worker thread while the file uploads
    auto stats = std::make_shared<transfer::UploadStats>();
    transfer::UploadCallbacks callbacks;
    callbacks.upload_created = [this, path](const std::string& upload_id, std::uint64_t part_size) {
      journal_failed(journal().set_upload(path, upload_id, part_size));
    };
    callbacks.part_done = [this, path, key = planned.object_key](const s3::CompletedPart& part,
                                                                 std::uint64_t size) {
      auto found = journal().find(path);
      if (found.ok() && *found) {
        journal_failed(
            journal().add_part(path, (*found)->upload_id, {part.part_number, part.etag, size}));
      }
      emit({SyncEvent::Kind::kPartUploaded, path, key, size, "", ""});
    };
    callbacks.done = [this, file, previous, prepared, stats, planned_file, queue_ptr = &queue,
                      if_none_match, started = std::chrono::steady_clock::now()](
                         Result<s3::PutObjectResult> result) {
      report.parts_reused += stats->parts_reused;
      report.parts_uploaded += stats->parts_uploaded;
      bool there = false;
      if (!result.ok() && if_none_match && result.error().category == ErrorCategory::kConflict) {
        // The key is taken: by this very content (a run that died before the journal heard),
        // or by other content, which sends the file to its next name.
        auto at_key = inspect_key(planned_file->object_key, prepared->metadata.sha256, previous);
        if (at_key.ok() && *at_key == AtKey::kOtherContent) {
          thumbnail_jobs.erase(file.path.string());
          if (--files_in_flight[planned_file->name] <= 0) files_in_flight.erase(planned_file->name);
          return rename(*queue_ptr, file, previous, prepared, *planned_file);
        }
        if (at_key.ok() && *at_key == AtKey::kThisContent) {
          auto head =
              service.client_.head_object(config().destination->bucket, planned_file->object_key);
          result =
              s3::PutObjectResult{head.ok() ? head->etag : "", head.ok() ? head->version_id : ""};
          there = true;
          ++report.already_there;
        }
      }
      after_upload(*queue_ptr, file, prepared, planned_file, std::move(result), there,
                   std::chrono::steady_clock::now() - started);
    };
    transfer::start_upload(queue, service.client_, std::move(job), std::move(callbacks),
                           stats.get());
  }

  void after_upload(transfer::TaskQueue& queue, const ScannedFile& file,
                    std::shared_ptr<Prepared> prepared, std::shared_ptr<PlannedFile> planned,
                    Result<s3::PutObjectResult> result, bool already_there,
                    std::chrono::steady_clock::duration took) {
    if (--files_in_flight[planned->name] <= 0) files_in_flight.erase(planned->name);
    finished(file, *planned, prepared->metadata, std::move(result), already_there, took);
    if (!stop) upload_item_soon(queue, planned->name);
  }

  // Tests shrink ListParts pages to prove a resume follows them (IMGSYNC_TEST_LIST_PARTS_PAGE).
  static int list_parts_page_size() {
    const char* text = std::getenv("IMGSYNC_TEST_LIST_PARTS_PAGE");
    const int size = text != nullptr ? std::atoi(text) : 0;
    return size > 0 && size <= 1000 ? size : 1000;
  }

  // What every object imgsync writes carries: its type, its sha256 (for verify and for the
  // If-None-Match check), the Item it belongs to, and the [upload] storage settings.
  s3::ObjectAttributes upload_attributes(const std::string& content_type, const std::string& sha,
                                         const std::string& item_key) {
    s3::ObjectAttributes attributes;
    attributes.content_type = content_type;
    attributes.metadata["imgsync-sha256"] = sha;
    if (!item_key.empty()) attributes.metadata["imgsync-item"] = item_key;
    attributes.storage_class = config().upload.storage_class;
    attributes.server_side_encryption = config().upload.server_side_encryption;
    attributes.sse_kms_key_id = config().upload.sse_kms_key_id;
    return attributes;
  }

  // A single PUT of a small object imgsync makes itself (an Item, a thumbnail).
  s3::S3Request small_object_put(const std::string& key, const s3::ObjectAttributes& attributes,
                                 std::string body) {
    s3::S3Request put;
    put.operation = "PutObject";
    put.method = "PUT";
    put.bucket = config().destination->bucket;
    put.key = key;
    put.headers = s3::object_attribute_headers(attributes);
    put.body = s3::Body::from_string(std::move(body));
    return put;
  }

  void finished(const ScannedFile& file, const PlannedFile& planned,
                const media::ImageMetadata& metadata, Result<s3::PutObjectResult> result,
                bool already_there, std::chrono::steady_clock::duration took) {
    const std::string path = file.path.string();
    progress.files_done += 1;
    progress.bytes_done += file.stat.size;
    if (!result.ok()) {
      Error error = result.take_error();
      if (destination_unusable(error)) {
        if (!report.destination_error) report.destination_error = error;
        stop = true;
        journal_failed(journal().set_state(path, FileState::kPending, error.message,
                                           std::string(to_string(error.category))));
        thumbnail_jobs.erase(path);
        return;
      }
      thumbnail_jobs.erase(path);
      return fail(file, error);
    }
    auto item = item_with_asset(file, planned, metadata);
    if (!item.ok()) return fail(file, item.error());
    attach_thumbnail(*item, file, planned.name, planned.item_key, metadata);
    journal_failed(journal().complete_file(path, planned.name, item->dump(), result->etag,
                                           result->version_id));
    // Search follows the journal; a failure costs only search ('imgsync index rebuild' mends it).
    if (index && !fatal && !index->upsert_item(*item, planned.item_key).ok()) index.reset();
    any_success = true;
    if (!already_there) {
      ++report.uploaded;
      report.bytes_uploaded += file.stat.size;
    }
    emit({SyncEvent::Kind::kUploaded, path, planned.object_key, file.stat.size, "", "", "", "",
          std::chrono::duration<double>(took).count()});
    tick();
  }

  Result<nlohmann::json> item_with_asset(const ScannedFile& file, const PlannedFile& planned,
                                         const media::ImageMetadata& metadata) {
    media::AssetInfo asset{planned.object_key, metadata.mime, metadata.bytes, metadata.sha256};
    const std::string slot = config::to_string(file.kind);
    auto capture = journal().capture_by_name(planned.name);
    if (!capture.ok()) return capture.take_error();
    if (*capture && !(*capture)->item_json.empty()) {
      auto item = nlohmann::json::parse((*capture)->item_json, nullptr, false);
      if (!item.is_discarded()) {
        if (Status ok = media::add_stac_asset(item, planned.item_key, slot, asset); !ok.ok()) {
          return ok.error();
        }
        return item;
      }
    }
    media::CaptureRecord record;
    record.name = planned.name;
    record.item_key = planned.item_key;
    auto catalog_key = media::normalize_prefix(config().destination->key);
    record.catalog_key = (catalog_key.ok() && !catalog_key->empty() ? *catalog_key + "/" : "") +
                         std::string("catalog/catalog.json");
    record.primary = metadata;
    (file.kind == config::SourceKind::kRaw ? record.raw : record.enhanced) = asset;
    record.created = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    return media::build_stac_item(record);
  }

  // Thumbnails made in this run, waiting to go up just before their capture's Item.
  std::map<std::string, std::string> thumbnails;  // capture name -> WebP bytes
  // Thumbnails being made on worker threads while their files upload, by file path. Only types
  // libvips decodes alone: the raw-preview path reads through Exiv2, which is not safe beside
  // this thread's own metadata reads, and is made here when the upload finished. A job whose
  // file failed is waited for and dropped (a future from std::async joins when destroyed).
  std::map<std::string, std::future<Result<media::Thumbnail>>> thumbnail_jobs;

  media::ThumbnailOptions thumbnail_options() const {
    media::ThumbnailOptions options;
    options.long_edge = service.config_.thumbnails.long_edge;
    options.quality = service.config_.thumbnails.quality;
    return options;
  }

  void start_thumbnail(const ScannedFile& file, const media::ImageMetadata& metadata) {
    if (!config().thumbnails.enabled || !media::thumbnail_decoded_by_libvips(metadata.mime)) {
      return;
    }
    thumbnail_jobs[file.path.string()] = std::async(
        std::launch::async, [path = file.path, mime = metadata.mime,
                             orientation = metadata.orientation, options = thumbnail_options()] {
          return media::make_thumbnail(path, mime, orientation, options);
        });
  }

  // The file's thumbnail: from its worker when one was started, else made now.
  Result<media::Thumbnail> take_thumbnail(const ScannedFile& file,
                                          const media::ImageMetadata& metadata) {
    if (auto job = thumbnail_jobs.find(file.path.string()); job != thumbnail_jobs.end()) {
      auto thumbnail = job->second.get();
      thumbnail_jobs.erase(job);
      return thumbnail;
    }
    return media::make_thumbnail(file.path, metadata.mime, metadata.orientation,
                                 thumbnail_options());
  }

  // The capture's thumbnail comes from its enhanced file, else from its raw one. A thumbnail that
  // cannot be made is a warning: the image is safe, its Item then names no thumbnail.
  void attach_thumbnail(nlohmann::json& item, const ScannedFile& file, const std::string& name,
                        const std::string& item_key, const media::ImageMetadata& metadata) {
    if (!config().thumbnails.enabled) return;
    const auto& assets = item["assets"];
    const std::string key = media::thumbnail_key_for_item(item_key);
    if ((file.kind == config::SourceKind::kRaw && assets.contains("enhanced")) || key.empty()) {
      thumbnail_jobs.erase(file.path.string());  // made for nothing: the enhanced file's wins
      return;
    }
    auto thumbnail = take_thumbnail(file, metadata);
    if (!thumbnail.ok()) {
      item["assets"].erase("thumbnail");  // one made from the other file would be stale now
      thumbnails.erase(name);
      ++report.thumbnails_failed;
      emit({SyncEvent::Kind::kThumbnailFailed, file.path.string(), key, 0,
            thumbnail.error().message, std::string(to_string(thumbnail.error().category))});
      return;
    }
    if (!name_thumbnail(item, item_key, key, thumbnail->webp).ok()) return;
    thumbnails[name] = std::move(thumbnail->webp);
  }

  // The Item's "thumbnail" asset for these WebP bytes at `key`.
  static Status name_thumbnail(nlohmann::json& item, const std::string& item_key,
                               const std::string& key, const std::string& webp) {
    const media::AssetInfo asset{key, "image/webp", webp.size(), to_hex(sha256(webp))};
    return media::add_stac_asset(item, item_key, "thumbnail", asset);
  }

  // The thumbnail an Item names, when this run did not make it (an earlier run's Item upload
  // failed): made again from the capture's file. Empty when that file is gone; the Item then
  // loses its thumbnail asset.
  std::string remake_thumbnail(nlohmann::json& item, const catalog::CaptureRecordRow& capture) {
    auto files = journal().files_of_capture(capture.name);
    if (!files.ok()) return {};
    const catalog::FileRecord* source = nullptr;
    for (const auto& record : *files) {
      if (source == nullptr || record.kind == "enhanced") source = &record;
    }
    if (source != nullptr) {
      auto metadata = nlohmann::json::parse(source->metadata_json, nullptr, false);
      const std::string mime = metadata.is_object() ? metadata.value("mime", "") : "";
      const int orientation = metadata.is_object() ? metadata.value("orientation", 1) : 1;
      auto thumbnail = media::make_thumbnail(source->path, mime, orientation, thumbnail_options());
      const std::string key = media::thumbnail_key_for_item(capture.item_key);
      if (thumbnail.ok() && !key.empty() &&
          name_thumbnail(item, capture.item_key, key, thumbnail->webp).ok()) {
        return std::move(thumbnail->webp);
      }
    }
    item["assets"].erase("thumbnail");
    return {};
  }

  // Items go up as soon as their capture has no other file in flight, after its assets; one
  // upload per Item at a time, so a later version never lands before an earlier one.
  struct ItemUpload {
    bool in_flight = false;
    bool again = false;
  };
  std::map<std::string, int> files_in_flight;  // per capture
  std::map<std::string, ItemUpload> item_uploads;

  void upload_item_soon(transfer::TaskQueue& queue, const std::string& name) {
    if (files_in_flight.count(name) > 0) return;  // the last file of the capture uploads it
    ItemUpload& state = item_uploads[name];
    if (state.in_flight) {
      state.again = true;
      return;
    }
    auto capture = journal().capture_by_name(name);
    if (!capture.ok()) return journal_failed(capture.error());
    if (!*capture || (*capture)->item_json.empty() || !(*capture)->item_sha256.empty()) {
      item_uploads.erase(name);
      return;
    }
    state.in_flight = true;
    queue.push_urgent([this, &queue, capture = **capture](transfer::TaskQueue::Finished finished) {
      send_item(capture, [this, &queue, name = capture.name, finished] {
        finished();
        ItemUpload& done = item_uploads[name];
        const bool again = done.again;
        item_uploads.erase(name);  // only captures with an Item upload in flight are kept
        if (again) upload_item_soon(queue, name);
      });
    });
  }

  // The capture's thumbnail (when its Item names one), then the Item: a reader of the Item never
  // finds a thumbnail missing.
  void send_item(catalog::CaptureRecordRow capture, std::function<void()> then) {
    auto item = nlohmann::json::parse(capture.item_json, nullptr, false);
    const bool names_thumbnail = item.is_object() && item.contains("assets") &&
                                 item["assets"].is_object() && item["assets"].contains("thumbnail");
    if (!names_thumbnail) return send_item_document(capture, std::move(then));
    std::string webp;
    if (auto made = thumbnails.find(capture.name); made != thumbnails.end()) {
      webp = std::move(made->second);
      thumbnails.erase(made);
    } else {
      webp = remake_thumbnail(item, capture);
      capture.item_json = item.dump();
      if (webp.empty()) return send_item_document(capture, std::move(then));
    }
    const std::string key = media::thumbnail_key_for_item(capture.item_key);
    const std::uint64_t size = webp.size();
    auto attributes = upload_attributes("image/webp", to_hex(sha256(webp)), capture.item_key);
    auto put = small_object_put(key, attributes, std::move(webp));
    service.client_.send_async(
        std::move(put), [this, capture, key, size, then](Result<s3::HttpResponse> response) {
          if (!response.ok() && destination_unusable(response.error())) {
            // The destination went away, not this thumbnail: the Item stays dirty for the next
            // run (which makes the thumbnail again), and the run stops as it does for a file.
            if (!report.destination_error) report.destination_error = response.error();
            stop = true;
            return then();
          }
          if (!response.ok()) {
            // The Item waits (it would name a missing thumbnail); the next run makes it again.
            ++report.items_failed;
            ++report.thumbnails_failed;
            emit({SyncEvent::Kind::kItemFailed, "", capture.item_key, 0,
                  "its thumbnail " + key + " was not uploaded: " + response.error().message,
                  std::string(to_string(response.error().category)), response.error().s3_code,
                  response.error().request_id});
            return then();
          }
          ++report.thumbnails_uploaded;
          emit({SyncEvent::Kind::kThumbnailUploaded, "", key, size, "", ""});
          send_item_document(capture, then);
        });
  }

  void send_item_document(const catalog::CaptureRecordRow& capture, std::function<void()> then) {
    const std::string sha = to_hex(sha256(capture.item_json));
    auto put = small_object_put(
        capture.item_key, upload_attributes("application/geo+json", sha, ""), capture.item_json);
    service.client_.send_async(
        std::move(put), [this, capture, sha, then](Result<s3::HttpResponse> response) {
          if (!response.ok() && destination_unusable(response.error())) {
            // The destination went away, not this Item: it stays dirty for the next run, and the
            // run stops as it does for a file (watch pauses and rescans).
            if (!report.destination_error) report.destination_error = response.error();
            stop = true;
          } else if (!response.ok()) {
            ++report.items_failed;
            emit({SyncEvent::Kind::kItemFailed, "", capture.item_key, 0, response.error().message,
                  std::string(to_string(response.error().category))});
          } else {
            journal_failed(journal().set_item_uploaded(capture.name, capture.item_json, sha));
            ++report.items_uploaded;
            emit({SyncEvent::Kind::kItemUploaded, "", capture.item_key, capture.item_json.size(),
                  "", ""});
          }
          then();
        });
  }

  // Items still dirty at the end: earlier runs' failures, or ones whose upload failed just now.
  void upload_remaining_items(transfer::TaskQueue& queue) {
    auto dirty = journal().dirty_captures();
    if (!dirty.ok()) return journal_failed(dirty.error());
    auto pending =
        std::make_shared<std::deque<catalog::CaptureRecordRow>>(dirty->begin(), dirty->end());
    queue.set_refill([this, &queue, pending] {
      if (stop || pending->empty()) return false;
      catalog::CaptureRecordRow capture = std::move(pending->front());
      pending->pop_front();
      queue.push([this, capture](transfer::TaskQueue::Finished finished) {
        send_item(capture, finished);
      });
      return true;
    });
    queue.run();
  }
};

Status require_destination_and_sources(const config::AppConfig& config,
                                       const std::string& sources_for) {
  if (!config.destination) {
    return make_error(ErrorCategory::kInvalidInput,
                      "no destination: pass --to s3://BUCKET/PREFIX or set destination in "
                      "imgsync.toml");
  }
  if (config.sources.empty()) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("no source folders{}: name them on the command line or as "
                                  "[[source]] in imgsync.toml",
                                  sources_for));
  }
  return {};
}

SyncService::SyncService(const config::AppConfig& config, catalog::JournalStore& journal,
                         s3::S3Client& client)
    : config_(config), journal_(journal), client_(client) {}

Result<SyncReport> SyncService::run(const SyncOptions& options) {
  if (Status ok = require_destination_and_sources(config_); !ok.ok()) return ok.error();
  auto prefix = media::normalize_prefix(config_.destination->key);
  if (!prefix.ok()) return prefix.take_error();
  auto name_template = config_.name_template.empty()
                           ? Result<media::NameTemplate>(media::NameTemplate::default_template())
                           : media::NameTemplate::parse(config_.name_template);
  if (!name_template.ok()) return name_template.take_error();

  Run run(*this, options);
  run.planner = std::make_unique<CapturePlanner>(journal_, *prefix, std::move(*name_template),
                                                 config_.project);
  if (!options.dry_run && !config_.state_dir.empty()) {
    auto index = catalog::SearchIndex::open(config_.state_dir, /*for_queries=*/false);
    if (index.ok()) run.index = std::make_unique<catalog::SearchIndex>(std::move(*index));
  }
  if (Status begun = run.begin(); !begun.ok()) return begun.error();
  if (!options.dry_run) run.adopt_legacy_rows();

  transfer::TaskQueue queue(client_.engine(), std::max(1, config_.upload.jobs));
  queue.set_refill([&run, &queue] { return run.refill(queue); });
  queue.set_cancel([&run] { return run.cancelled(); }, options.cancel_grace);
  queue.run();
  if (!options.dry_run && !run.stop && !run.cancelled()) run.upload_remaining_items(queue);
  run.report.cancelled = run.cancelled();
  if (run.fatal) return *run.fatal;
  return run.report;
}

}  // namespace imgsync::app
