#include "app/item_publisher.h"

#include <deque>
#include <future>
#include <map>

#include "app/object_writes.h"
#include "media/object_keys.h"
#include "media/stac_item.h"
#include "media/thumbnail.h"
#include "util/hashing.h"

namespace imgsync::app {

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

  // Thumbnails made in this run, waiting to go up just before their capture's Item.
  std::map<std::string, std::string> thumbnails;  // capture name -> WebP bytes
  // Thumbnails being made on worker threads while their files upload, by file path. Only types
  // libvips decodes alone: the raw-preview path reads through Exiv2, which is not safe beside
  // this thread's own metadata reads, and is made here when the upload finished. A job whose
  // file failed is waited for and dropped (a future from std::async joins when destroyed).
  std::map<std::string, std::future<Result<media::Thumbnail>>> thumbnail_jobs;

  media::ThumbnailOptions thumbnail_options() const {
    media::ThumbnailOptions options;
    options.long_edge = config_.thumbnails.long_edge;
    options.quality = config_.thumbnails.quality;
    return options;
  }

  void start_thumbnail(const ScannedFile& file, const media::ImageMetadata& metadata) {
    if (!config_.thumbnails.enabled || !media::thumbnail_decoded_by_libvips(metadata.mime)) {
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
    if (!config_.thumbnails.enabled) return;
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
      hooks_.emit({SyncEvent::Kind::kThumbnailFailed, file.path.string(), key, 0,
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
    auto files = journal_.files_of_capture(capture.name);
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
    auto capture = journal_.capture_by_name(name);
    if (!capture.ok()) return hooks_.journal_failed(capture.error());
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
    auto attributes =
        app::upload_attributes(config_, "image/webp", to_hex(sha256(webp)), capture.item_key);
    auto put = app::small_object_put(config_, key, attributes, std::move(webp));
    client_.send_async(
        std::move(put), [this, capture, key, size, then](Result<s3::HttpResponse> response) {
          if (!response.ok() && destination_unusable(response.error())) {
            // The destination went away, not this thumbnail: the Item stays dirty for the next
            // run (which makes the thumbnail again), and the run stops as it does for a file.
            hooks_.destination_lost(response.error());
            return then();
          }
          if (!response.ok()) {
            // The Item waits (it would name a missing thumbnail); the next run makes it again.
            ++report.items_failed;
            ++report.thumbnails_failed;
            hooks_.emit({SyncEvent::Kind::kItemFailed, "", capture.item_key, 0,
                         "its thumbnail " + key + " was not uploaded: " + response.error().message,
                         std::string(to_string(response.error().category)),
                         response.error().s3_code, response.error().request_id});
            return then();
          }
          ++report.thumbnails_uploaded;
          hooks_.emit({SyncEvent::Kind::kThumbnailUploaded, "", key, size, "", ""});
          send_item_document(capture, then);
        });
  }

  void send_item_document(const catalog::CaptureRecordRow& capture, std::function<void()> then) {
    const std::string sha = to_hex(sha256(capture.item_json));
    auto put = app::small_object_put(
        config_, capture.item_key, app::upload_attributes(config_, "application/geo+json", sha, ""),
        capture.item_json);
    client_.send_async(std::move(put), [this, capture, sha,
                                        then](Result<s3::HttpResponse> response) {
      if (!response.ok() && destination_unusable(response.error())) {
        // The destination went away, not this Item: it stays dirty for the next run, and the
        // run stops as it does for a file (watch pauses and rescans).
        hooks_.destination_lost(response.error());
      } else if (!response.ok()) {
        ++report.items_failed;
        hooks_.emit({SyncEvent::Kind::kItemFailed, "", capture.item_key, 0,
                     response.error().message, std::string(to_string(response.error().category))});
      } else {
        hooks_.journal_failed(journal_.set_item_uploaded(capture.name, capture.item_json, sha));
        ++report.items_uploaded;
        hooks_.emit({SyncEvent::Kind::kItemUploaded, "", capture.item_key, capture.item_json.size(),
                     "", ""});
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

void ItemPublisher::asset_started(const std::string& capture, const ScannedFile& file,
                                  const media::ImageMetadata& metadata) {
  ++state_->files_in_flight[capture];
  state_->start_thumbnail(file, metadata);
}

void ItemPublisher::attach_thumbnail(nlohmann::json& item, const ScannedFile& file,
                                     const std::string& capture, const std::string& item_key,
                                     const media::ImageMetadata& metadata) {
  state_->attach_thumbnail(item, file, capture, item_key, metadata);
}

void ItemPublisher::asset_finished(transfer::TaskQueue& queue, const std::string& capture,
                                   const ScannedFile& file) {
  state_->thumbnail_jobs.erase(file.path.string());  // not taken: the file did not make it
  if (--state_->files_in_flight[capture] <= 0) state_->files_in_flight.erase(capture);
  if (!state_->hooks_.stopped()) state_->upload_item_soon(queue, capture);
}

void ItemPublisher::publish_remaining(transfer::TaskQueue& queue) {
  state_->upload_remaining_items(queue);
}

}  // namespace imgsync::app
