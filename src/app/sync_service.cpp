#include "app/sync_service.h"

#include <fmt/format.h>

#include <chrono>
#include <deque>
#include <future>
#include <memory>
#include <set>
#include <unordered_set>

#include "app/capture_planner.h"
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

  void fail(const ScannedFile& file, const Error& error) {
    ++report.failed;
    ++progress.files_failed;
    if (!options.dry_run) {
      const std::string path = file.path.string();
      const std::string category(to_string(error.category));
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
          if (auto file = scanned_from_record(record)) leftovers.push_back(std::move(*file));
        }
      }
    }
    if (leftovers.empty()) return std::nullopt;
    ScannedFile file = std::move(leftovers.front());
    leftovers.pop_front();
    return file;
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
    if (record && record->stat == file.stat) {
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

  // `previous`: the journal's record of the file, as looked up by refill().
  bool start(transfer::TaskQueue& queue, const ScannedFile& file,
             const std::optional<FileRecord>& previous) {
    const std::string path = file.path.string();
    FileDigests digests;
    auto metadata = media::extract_metadata(file.path, &digests);
    if (!metadata.ok()) return fail(file, metadata.error()), false;
    // Re-stat: what was hashed must be what was scanned, else it is still being written.
    auto now = stat_file(file.path);
    if (!now.ok()) return fail(file, now.error()), false;
    if (!(*now == file.stat) || digests.bytes != file.stat.size) {
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
    auto planned = planner->plan(file, *metadata, previous, options.dry_run);
    if (!planned.ok()) return fail(file, planned.error()), false;
    if (options.dry_run) {
      ++report.planned;
      report.bytes_planned += file.stat.size;
      emit({SyncEvent::Kind::kPlanned, path, planned->object_key, file.stat.size, "", ""});
      return false;
    }

    FileRecord record = previous.value_or(FileRecord{});
    const bool same_content = previous && previous->sha256 == metadata->sha256;
    const bool was_uploaded = previous && !previous->object_key.empty() &&
                              previous->object_key == planned->object_key &&
                              previous->state == FileState::kUploaded;
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
    record.sha256 = metadata->sha256;
    record.name = planned->name;
    record.object_key = planned->object_key;
    record.item_key = planned->item_key;
    record.state = FileState::kUploading;
    record.metadata_json = media::metadata_to_json(*metadata).dump();
    journal_failed(journal().upsert(record));  // intent, before any byte leaves
    if (stop) return false;

    transfer::UploadJob job;
    job.path = file.path;
    job.size = file.stat.size;
    job.mtime_ns = file.stat.mtime_ns;
    job.digests = digests;
    job.bucket = config().destination->bucket;
    job.key = planned->object_key;
    job.attributes = upload_attributes(metadata->mime, metadata->sha256, planned->item_key);
    // A key this file never filled must not silently replace someone else's object.
    job.if_none_match = !was_uploaded;
    job.multipart_threshold = config().upload.multipart_threshold;
    job.part_size = config().upload.part_size.value_or(0);
    if (same_content) job.resume_upload_id = record.upload_id;

    start_thumbnail(file, *metadata);  // on a worker thread while the file uploads
    auto shared_metadata = std::make_shared<media::ImageMetadata>(std::move(*metadata));
    auto stats = std::make_shared<transfer::UploadStats>();
    auto planned_file = std::make_shared<PlannedFile>(*planned);
    transfer::UploadCallbacks callbacks;
    callbacks.upload_created = [this, path](const std::string& upload_id, std::uint64_t part_size) {
      journal_failed(journal().set_upload(path, upload_id, part_size));
    };
    callbacks.part_done = [this, path, key = planned->object_key](const s3::CompletedPart& part,
                                                                  std::uint64_t size) {
      auto record = journal().find(path);
      if (record.ok() && *record) {
        journal_failed(
            journal().add_part(path, (*record)->upload_id, {part.part_number, part.etag, size}));
      }
      emit({SyncEvent::Kind::kPartUploaded, path, key, size, "", ""});
    };
    callbacks.done = [this, file, shared_metadata, stats, planned_file, queue_ptr = &queue,
                      if_none_match = job.if_none_match,
                      started =
                          std::chrono::steady_clock::now()](Result<s3::PutObjectResult> result) {
      report.parts_reused += stats->parts_reused;
      report.parts_uploaded += stats->parts_uploaded;
      if (!result.ok() && if_none_match && result.error().category == ErrorCategory::kConflict) {
        result = accept_existing(*planned_file, *shared_metadata, result.take_error());
        if (result.ok()) ++report.already_there;
      }
      if (--files_in_flight[planned_file->name] <= 0) files_in_flight.erase(planned_file->name);
      finished(file, *planned_file, *shared_metadata, std::move(result),
               std::chrono::steady_clock::now() - started);
      if (!stop) upload_item_soon(*queue_ptr, planned_file->name);
    };
    ++files_in_flight[planned->name];
    transfer::start_upload(queue, service.client_, std::move(job), std::move(callbacks),
                           stats.get());
    return true;
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

  // The key is taken. Fine if it holds this very content (a run that died between the upload
  // and the journal's record of it); anything else is another object that is never overwritten.
  Result<s3::PutObjectResult> accept_existing(const PlannedFile& planned,
                                              const media::ImageMetadata& metadata, Error refused) {
    auto head = service.client_.head_object(config().destination->bucket, planned.object_key);
    if (head.ok() && head->metadata["imgsync-sha256"] == metadata.sha256) {
      return s3::PutObjectResult{head->etag, head->version_id};
    }
    refused.message = fmt::format(
        "s3://{}/{} already holds a different object; imgsync never overwrites what it did not "
        "upload. Move that object away, or give this file another name (name_template)",
        config().destination->bucket, planned.object_key);
    return refused;
  }

  void finished(const ScannedFile& file, const PlannedFile& planned,
                const media::ImageMetadata& metadata, Result<s3::PutObjectResult> result,
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
    journal_failed(journal().complete_file(path, planned.name, item->dump()));
    // Search follows the journal; a failure costs only search ('imgsync index rebuild' mends it).
    if (index && !fatal && !index->upsert_item(*item, planned.item_key).ok()) index.reset();
    ++report.uploaded;
    report.bytes_uploaded += file.stat.size;
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
