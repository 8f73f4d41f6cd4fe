// The last part of a sync: every capture's Item, after its assets and its thumbnail. A file's
// upload step tells the publisher when an asset of a capture starts (asset_started) and ends
// (asset_finished); the capture's Item goes up once no asset of it is in flight, its thumbnail
// always just before it, one Item upload per capture at a time (so a later version never lands
// before an earlier one). A reader of an Item therefore never finds an asset or the thumbnail it
// names missing: the API leaves no other order.
//
// Thumbnails: made from the capture's enhanced file, else its raw one, on worker threads (started
// when the file's upload starts), never holding an upload or an Item: the Item goes up when its
// files are, and again naming the thumbnail once that is on the bucket. One that cannot be made
// is a warning (thumbnail_failed): the image is safe, its Item then names none. The journal keeps
// a capture's thumbnail due until it is up, so the next run makes what this one could not.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "app/source_scanner.h"
#include "app/sync_service.h"
#include "catalog/journal_store.h"
#include "config/app_config.h"
#include "media/image_metadata.h"
#include "s3/s3_client.h"
#include "transfer/task_queue.h"

namespace imgsync::app {

struct PublisherHooks {
  std::function<void(const SyncEvent&)> emit;
  std::function<void(const Status&)> journal_failed;
  // The destination went away (not this Item): the run stops; the Item stays dirty for the next.
  std::function<void(const Error&)> destination_lost;
  std::function<bool()> stopped;
  // The capture's Item changed after its files were recorded (it names its thumbnail now).
  std::function<void(const nlohmann::json& item, const std::string& item_key)> item_changed;
};

class ItemPublisher {
 public:
  ItemPublisher(const config::AppConfig& config, catalog::JournalStore& journal,
                s3::S3Client& client, SyncReport& report, PublisherHooks hooks);
  ~ItemPublisher();
  ItemPublisher(const ItemPublisher&) = delete;
  ItemPublisher& operator=(const ItemPublisher&) = delete;

  // The capture's Item as last built (or a new one), gaining the file's asset.
  Result<nlohmann::json> item_with_asset(const ScannedFile& file, const std::string& capture,
                                         const std::string& item_key, const std::string& object_key,
                                         const media::ImageMetadata& metadata);
  // A file of `capture` starts its upload; its thumbnail is made meanwhile when it can be.
  void asset_started(const std::string& capture, const ScannedFile& file,
                     const media::ImageMetadata& metadata);
  // The file is on the server and `item` (the capture's Item with its asset) is about to be
  // recorded: whether the capture's thumbnail is (again) due from this file.
  bool thumbnail_due(const nlohmann::json& item, const ScannedFile& file,
                     const std::string& capture, const std::string& item_key);
  // The file's upload ended (either way; a failed file's thumbnail work is dropped). The
  // capture's Item goes up once none of its files is in flight.
  void asset_finished(transfer::TaskQueue& queue, const std::string& capture,
                      const ScannedFile& file);
  // An Item whose thumbnail is being made waits for it (true: a sync, read only when done),
  // or 200 ms at most (false, the default: watch, where the Item's latency counts).
  void wait_for_thumbnails(bool wait);
  // At the end of a run: every Item still to send (earlier runs' failures included).
  void publish_remaining(transfer::TaskQueue& queue);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace imgsync::app
