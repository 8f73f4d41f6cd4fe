#include "app/item_publisher.h"

#include <deque>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "app/item_merge.h"
#include "app/object_writes.h"
#include "media/object_keys.h"
#include "media/stac_item.h"
#include "media/thumbnail.h"
#include "transfer/off_loop.h"
#include "util/error_predicates.h"
#include "util/hashing.h"
#include "util/json_fields.h"

namespace imgsync::app {

constexpr const char* kThumbnailType = "image/jpeg";

struct ItemPublisher::State {
  State(const config::AppConfig& config, catalog::JournalStore& journal, s3::S3Client& client,
        SyncReport& report, PublisherHooks hooks)
      : config_(config),
        journal_(journal),
        client_(client),
        report(report),
        hooks_(std::move(hooks)) {}

  const config::AppConfig& config_;
  catalog::JournalStore& journal_;
  s3::S3Client& client_;
  SyncReport& report;
  PublisherHooks hooks_;

  // Thumbnails are made on worker threads, never on the transfer loop, and never hold an Item:
  // a capture's Item goes up as soon as its files are up, and again with the thumbnail once that
  // is on the bucket (an Item only ever names a thumbnail the bucket holds). The journal keeps
  // "thumbnail due" per capture, so an interrupted run's thumbnails are made by the next.
  struct ThumbnailJob {
    std::string capture;
    bool file_done = false;  // the file is recorded: the thumbnail goes up when made
    std::optional<Result<media::Thumbnail>> made;
  };
  std::map<std::string, ThumbnailJob> thumbnail_jobs;  // by source file path
  std::map<std::string, std::string> due_files;        // recorded files to thumbnail -> capture
  std::map<std::string, int> thumbnails_uploading;     // per capture
  std::unique_ptr<transfer::OffLoop> workers;
  transfer::TaskQueue* queue = nullptr;  // the run's queue, for work that finishes off the loop

  media::ThumbnailOptions thumbnail_options() const {
    media::ThumbnailOptions options;
    options.long_edge = config_.thumbnails.long_edge;
    options.quality = config_.thumbnails.quality;
    return options;
  }

  // Starts making the thumbnail of `path` on a worker. A camera raw's embedded preview is read
  // here (Exiv2 runs on this thread only); libvips scales it on the worker.
  void start_thumbnail(const std::string& capture, const std::string& path, const std::string& mime,
                       int orientation, bool file_done) {
    if (!config_.thumbnails.enabled || thumbnail_jobs.count(path) > 0) return;
    ThumbnailJob& job = thumbnail_jobs[path];
    job.capture = capture;
    job.file_done = file_done;
    std::optional<std::string> preview;
    if (!media::thumbnail_decoded_by_libvips(mime)) {
      auto bytes = media::embedded_preview(path, mime);
      if (!bytes.ok()) {
        job.made = Result<media::Thumbnail>(bytes.take_error());
        if (file_done) thumbnail_made(path, false);
        return;
      }
      preview = std::move(*bytes);
    }
    if (!workers) {
      // In watch, niceness 10: thumbnails take the CPU the transfer loop (and a local server)
      // leave, so they never slow the images down (docs/benchmarks.md: watch latency). A sync
      // waits for its thumbnails before it ends, so there they run at the run's own priority:
      // niced, any other work on the machine (a build) starved them and stretched the run.
      workers = std::make_unique<transfer::OffLoop>(
          client_.engine(), static_cast<int>(std::max(1U, std::thread::hardware_concurrency())),
          wait_for_thumbnails ? 0 : 10);
    }
    workers->run<Result<media::Thumbnail>>(
        [path, mime, orientation, preview = std::move(preview), options = thumbnail_options()] {
          return preview ? media::make_thumbnail_from_buffer(*preview, orientation, options)
                         : media::make_thumbnail(path, mime, orientation, options);
        },
        [this, path](Result<media::Thumbnail> made) {
          auto job = thumbnail_jobs.find(path);
          if (job == thumbnail_jobs.end()) return;  // its file failed: made for nothing
          job->second.made = std::move(made);
          if (job->second.file_done) {
            thumbnail_made(path, awaiting_thumbnail.count(job->second.capture) > 0);
          }
        });
  }

  // The file is recorded and its thumbnail made: it goes up (or its failure is reported). Ahead
  // of new files when the capture's Item waits for it (`item_waits`), else trailing them.
  void thumbnail_made(const std::string& path, bool item_waits) {
    auto node = thumbnail_jobs.extract(path);
    if (node.empty() || !node.mapped().made) return;
    const std::string capture = node.mapped().capture;
    Result<media::Thumbnail>& made = *node.mapped().made;
    if (!made.ok()) return thumbnail_failed(capture, path, made.error());
    upload_thumbnail(capture, std::move(made->bytes), !item_waits);
  }

  // No thumbnail for the capture: a warning (the image is safe); its Item loses the thumbnail
  // an earlier file gave it, which would be stale now.
  void thumbnail_failed(const std::string& capture, const std::string& path, const Error& error) {
    ++report.thumbnails_failed;
    hooks_.emit({.kind = SyncEvent::Kind::kThumbnailFailed,
                 .path = path,
                 .error = error.message,
                 .category = error.category});
    const bool item_waited = awaiting_thumbnail.erase(capture) > 0;
    auto item = capture_item(capture);
    if (!item) return;
    if (!item->second["assets"].contains("thumbnail")) {
      // The Item names no thumbnail: it is right as it is, and goes up now if it waited.
      hooks_.journal_failed(journal_.clear_thumbnail_due(capture));
      if (item_waited && queue != nullptr) upload_item_soon(*queue, capture);
      return;
    }
    item->second["assets"].erase("thumbnail");
    hooks_.journal_failed(journal_.set_thumbnail_uploaded(capture, item->second.dump()));
    if (queue != nullptr) upload_item_soon(*queue, capture, !item_waited);
  }

  // The capture's row and its Item, or nothing (reported) when the journal cannot say.
  std::optional<std::pair<catalog::CaptureRecordRow, nlohmann::json>> capture_item(
      const std::string& name) {
    auto capture = journal_.capture_by_name(name);
    if (!capture.ok()) return hooks_.journal_failed(capture.error()), std::nullopt;
    if (!*capture) return std::nullopt;
    auto item = nlohmann::json::parse((*capture)->item_json, nullptr, false);
    if (!item.is_object() || !item.contains("assets") || !item["assets"].is_object()) {
      return std::nullopt;
    }
    return std::make_pair(std::move(**capture), std::move(item));
  }

  // Trailing work (a thumbnail no Item waits for, the Item sent again to name or drop one) goes
  // in the queue's background lane, behind new files; the rest ahead of them
  // (transfer/task_queue.h).
  static void push_in_lane(transfer::TaskQueue& queue, bool trailing,
                           transfer::TaskQueue::Task task) {
    if (trailing) {
      queue.push_background(std::move(task));
    } else {
      queue.push_urgent(std::move(task));
    }
  }

  void upload_thumbnail(const std::string& name, std::string bytes, bool trailing) {
    auto capture = capture_item(name);
    if (!capture || queue == nullptr) return;
    const std::string key = media::thumbnail_key_for_item(capture->first.item_key);
    if (key.empty()) return;
    const std::string sha = to_hex(sha256(bytes));
    const std::uint64_t size = bytes.size();
    auto put = app::small_object_put(
        config_, key, app::upload_attributes(config_, kThumbnailType, sha, capture->first.item_key),
        std::move(bytes));
    ++thumbnails_uploading[name];
    auto task = [this, name, key, sha, size, trailing,
                 put = std::move(put)](transfer::TaskQueue::Finished finished) mutable {
      client_.put_object_async(std::move(put), [this, name, key, sha, size, trailing,
                                                finished](Result<s3::PutObjectResult> response) {
        finished();
        if (--thumbnails_uploading[name] <= 0) thumbnails_uploading.erase(name);
        thumbnail_sent(name, key, {key, kThumbnailType, size, sha}, std::move(response), trailing);
      });
    };
    push_in_lane(*queue, trailing, std::move(task));
  }

  void thumbnail_sent(const std::string& name, const std::string& key,
                      const media::AssetInfo& asset, Result<s3::PutObjectResult> response,
                      bool trailing) {
    awaiting_thumbnail.erase(name);
    if (!response.ok()) {
      if (destination_unusable(response.error())) {
        // The destination went away: the thumbnail stays due, the run stops.
        hooks_.destination_lost(response.error());
        return;
      }
      // Still due: the next run makes it again. The Item goes up without it.
      ++report.thumbnails_failed;
      hooks_.emit({.kind = SyncEvent::Kind::kThumbnailFailed,
                   .key = key,
                   .error = "the thumbnail was not uploaded: " + response.error().message,
                   .category = response.error().category,
                   .s3_code = response.error().s3_code,
                   .request_id = response.error().request_id});
    } else if (auto capture = capture_item(name)) {
      ++report.thumbnails_uploaded;
      hooks_.emit({.kind = SyncEvent::Kind::kThumbnailUploaded, .key = key, .bytes = asset.bytes});
      if (media::add_stac_asset(capture->second, capture->first.item_key, "thumbnail", asset)
              .ok()) {
        hooks_.journal_failed(journal_.set_thumbnail_uploaded(name, capture->second.dump()));
        if (hooks_.item_changed) hooks_.item_changed(capture->second, capture->first.item_key);
      }
    }
    if (queue != nullptr && !hooks_.stopped()) upload_item_soon(*queue, name, trailing);
  }

  // Thumbnails an earlier run left due (killed, or the destination went away): made again from
  // the capture's enhanced file, else its raw one.
  void start_due_thumbnails() {
    if (!config_.thumbnails.enabled) return;
    auto due = journal_.captures_due_thumbnails();
    if (!due.ok()) return hooks_.journal_failed(due.error());
    for (const auto& capture : *due) {
      if (thumbnails_uploading.count(capture.name) > 0) continue;
      auto files = journal_.files_of_capture(capture.name);
      if (!files.ok()) return hooks_.journal_failed(files.error());
      const catalog::FileRecord* source = nullptr;
      for (const auto& record : *files) {
        if (record.state != catalog::FileState::kUploaded) continue;
        if (source == nullptr || record.kind == config::SourceKind::kEnhanced) source = &record;
      }
      if (source == nullptr) {
        hooks_.journal_failed(journal_.clear_thumbnail_due(capture.name));
        continue;
      }
      auto metadata = nlohmann::json::parse(source->metadata_json, nullptr, false);
      const std::string mime = json_string(metadata, "mime");
      const int orientation = static_cast<int>(json_integer(metadata, "orientation", 1));
      start_thumbnail(capture.name, source->path, mime, orientation, true);
    }
  }

  // Items go up as soon as their capture has no other file in flight, after its assets; one
  // upload per Item at a time, so a later version never lands before an earlier one.
  struct ItemUpload {
    bool in_flight = false;
    bool again = false;
    bool again_trailing = true;  // only thumbnails asked for it again: it trails too
  };
  std::map<std::string, int> files_in_flight;  // per capture
  std::map<std::string, ItemUpload> item_uploads;

  void upload_item_soon(transfer::TaskQueue& queue, const std::string& name,
                        bool trailing = false) {
    // The last file of the capture, or its thumbnail's upload, sends it.
    if (files_in_flight.count(name) > 0 || thumbnails_uploading.count(name) > 0) return;
    ItemUpload& state = item_uploads[name];
    if (state.in_flight) {
      state.again = true;
      state.again_trailing = state.again_trailing && trailing;
      return;
    }
    auto capture = journal_.capture_by_name(name);
    if (!capture.ok()) return hooks_.journal_failed(capture.error());
    if (!*capture || (*capture)->item_json.empty() || !(*capture)->item_sha256.empty()) {
      item_uploads.erase(name);
      return;
    }
    state.in_flight = true;
    auto task = [this, &queue, capture = **capture](transfer::TaskQueue::Finished finished) {
      send_item_document(capture, [this, &queue, name = capture.name, finished] {
        finished();
        ItemUpload& done = item_uploads[name];
        const bool again = done.again, again_trailing = done.again_trailing;
        item_uploads.erase(name);  // only captures with an Item upload in flight are kept
        if (again) upload_item_soon(queue, name, again_trailing);
      });
    };
    push_in_lane(queue, trailing, std::move(task));
  }

  // The capture's thumbnail is still being made: its Item waits kThumbnailGrace at most for it
  // (made, uploaded, then the Item goes up once, naming it), then goes up without it (and again
  // with it). Without the wait nearly every Item of a burst went up twice, a request per image
  // more on the server; the wait is a small part of the time an image takes to be readable.
  // 1 s rather than 200 ms: under load (100 images/s on two cores shared with the server) a
  // thumbnail at niceness 10 often missed 200 ms, and the Items sent twice cost the images
  // their latency (bench/watch_latency 100 20 0.5, back to back: p99 1.52/1.61 s against
  // 1.71/1.71 s). Only an Item whose thumbnail is late waits; the image never does.
  // A sync run (not watch) waits for the thumbnail however long it takes (`wait_for_thumbnails`):
  // nobody reads its Items before it ends, and each Item then goes up once.
  static constexpr std::chrono::milliseconds kThumbnailGrace{1000};
  bool wait_for_thumbnails = false;
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);  // for a timer that outlives it
  ~State() { *alive = false; }

  std::set<std::string> awaiting_thumbnail;  // captures whose Item waits (the grace)

  void upload_item_after_grace(transfer::TaskQueue& queue, const std::string& name) {
    awaiting_thumbnail.insert(name);
    if (wait_for_thumbnails) return;  // the thumbnail (made, failed or sent) sends the Item
    client_.engine().schedule(kThumbnailGrace, [this, &queue, name, alive = alive] {
      if (!*alive) return;
      awaiting_thumbnail.erase(name);
      if (!hooks_.stopped()) upload_item_soon(queue, name);
    });
  }

  ItemWriter item_writer{config_, client_};

  // The Item goes up over the version this journal last wrote, else merged with another
  // writer's (app/item_merge.h).
  void send_item_document(const catalog::CaptureRecordRow& capture, std::function<void()> then) {
    item_writer.write(capture, [this, capture, then](Result<ItemWritten> written) {
      if (!written.ok() && destination_unusable(written.error())) {
        // The destination went away, not this Item: it stays dirty for the next run, and the
        // run stops as it does for a file (watch pauses and rescans).
        hooks_.destination_lost(written.error());
      } else if (!written.ok()) {
        ++report.items_failed;
        hooks_.emit({.kind = SyncEvent::Kind::kItemFailed,
                     .key = capture.item_key,
                     .error = written.error().message,
                     .category = written.error().category});
      } else {
        hooks_.journal_failed(journal_.set_item_uploaded(
            capture.name, capture.item_json, written->stored, written->sha256, written->etag));
        if (written->merged && hooks_.item_changed) {
          auto stored = nlohmann::json::parse(written->stored, nullptr, false);
          if (stored.is_object()) hooks_.item_changed(stored, capture.item_key);
        }
        // The capture's Item is on the bucket (the event), sent by this run or not (the count).
        if (written->uploaded) ++report.items_uploaded;
        hooks_.emit({.kind = SyncEvent::Kind::kItemUploaded,
                     .key = capture.item_key,
                     .bytes = written->stored.size()});
      }
      then();
    });
  }

  // Items still dirty at the end: earlier runs' failures, or ones whose upload failed just now.
  void upload_remaining_items(transfer::TaskQueue& queue) {
    auto dirty = journal_.dirty_captures();
    if (!dirty.ok()) return hooks_.journal_failed(dirty.error());
    auto pending =
        std::make_shared<std::deque<catalog::CaptureRecordRow>>(dirty->begin(), dirty->end());
    queue.set_refill([this, &queue, pending] {
      if (hooks_.stopped() || pending->empty()) return false;
      const std::string name = pending->front().name;
      pending->pop_front();
      upload_item_soon(queue, name);  // one upload per Item at a time, thumbnails first
      return true;
    });
    queue.run();
  }
};

ItemPublisher::ItemPublisher(const config::AppConfig& config, catalog::JournalStore& journal,
                             s3::S3Client& client, SyncReport& report, PublisherHooks hooks)
    : state_(std::make_unique<State>(config, journal, client, report, std::move(hooks))) {}

ItemPublisher::~ItemPublisher() = default;

Result<nlohmann::json> ItemPublisher::item_with_asset(const ScannedFile& file,
                                                      const std::string& capture,
                                                      const std::string& item_key,
                                                      const std::string& object_key,
                                                      const media::ImageMetadata& metadata) {
  media::AssetInfo asset{object_key, metadata.mime, metadata.bytes, metadata.sha256};
  const std::string slot = config::to_string(file.kind);
  auto known = state_->journal_.capture_by_name(capture);
  if (!known.ok()) return known.take_error();
  if (*known && !(*known)->item_json.empty()) {
    auto item = nlohmann::json::parse((*known)->item_json, nullptr, false);
    if (!item.is_discarded()) {
      if (Status ok = media::add_stac_asset(item, item_key, slot, asset); !ok.ok()) {
        return ok.error();
      }
      return item;
    }
  }
  media::CaptureRecord record;
  record.name = capture;
  record.item_key = item_key;
  auto catalog_key = media::normalize_prefix(state_->config_.destination->key);
  record.catalog_key = (catalog_key.ok() && !catalog_key->empty() ? *catalog_key + "/" : "") +
                       std::string("catalog/catalog.json");
  record.primary = metadata;
  (file.kind == config::SourceKind::kRaw ? record.raw : record.enhanced) = asset;
  record.created = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return media::build_stac_item(record);
}

void ItemPublisher::wait_for_thumbnails(bool wait) {
  state_->wait_for_thumbnails = wait;
}

void ItemPublisher::asset_started(const std::string& capture, const ScannedFile& file,
                                  const media::ImageMetadata& metadata) {
  ++state_->files_in_flight[capture];
  state_->start_thumbnail(capture, file.path.string(), metadata.mime, metadata.orientation, false);
}

bool ItemPublisher::thumbnail_due(const nlohmann::json& item, const ScannedFile& file,
                                  const std::string& capture, const std::string& item_key) {
  if (!state_->config_.thumbnails.enabled || media::thumbnail_key_for_item(item_key).empty()) {
    return false;
  }
  // The capture's thumbnail comes from its enhanced file, else from its raw one.
  const bool has_enhanced =
      item.contains("assets") && item["assets"].is_object() && item["assets"].contains("enhanced");
  if (file.kind == config::SourceKind::kRaw && has_enhanced) return false;
  state_->due_files[file.path.string()] = capture;
  return true;
}

void ItemPublisher::asset_finished(transfer::TaskQueue& queue, const std::string& capture,
                                   const ScannedFile& file) {
  state_->queue = &queue;
  const std::string path = file.path.string();
  if (--state_->files_in_flight[capture] <= 0) state_->files_in_flight.erase(capture);
  bool thumbnail_coming = false;  // made on a worker still: the Item may wait for it
  if (state_->due_files.erase(path) == 0) {
    state_->thumbnail_jobs.erase(path);  // the file failed, or another file's thumbnail wins
  } else if (auto job = state_->thumbnail_jobs.find(path); job != state_->thumbnail_jobs.end()) {
    job->second.file_done = true;
    if (job->second.made) {
      state_->thumbnail_made(path, true);
    } else {
      thumbnail_coming = true;
    }
  }
  // (A due thumbnail with no job here stays due in the journal: publish_remaining makes it.)
  if (state_->hooks_.stopped()) return;
  if (thumbnail_coming) return state_->upload_item_after_grace(queue, capture);
  state_->upload_item_soon(queue, capture);
}

void ItemPublisher::publish_remaining(transfer::TaskQueue& queue) {
  state_->queue = &queue;
  state_->start_due_thumbnails();
  state_->upload_remaining_items(queue);
}

}  // namespace imgsync::app
