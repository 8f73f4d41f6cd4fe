// Two writers can hold one capture: machines whose files have the same bytes, on one prefix (the
// claim names that content, so each finds the name its own: app/name_claims.h). Each builds the
// capture's Item from what it has: its own assets, its own `created` and `title`. Written over
// each other, the later Item would drop the assets only the earlier names, and each journal's
// record of the Item would stop matching the bucket (verify: "stored sha256 differs", a repair,
// the other's verify the same: the two rewrite each other's Item for ever).
//
// So an Item goes up only over the version its journal last wrote or adopted (If-Match its
// ETag; If-None-Match: * for the first). When the precondition fails, the Item on the bucket is
// read: it stands as it is when it already names every asset of ours (adopted: the journal
// records it), else ours goes up with the assets only theirs names, over theirs (If-Match
// theirs). verify adopts the same way an Item that names every asset of ours.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "catalog/journal_store.h"
#include "config/app_config.h"
#include "s3/s3_client.h"
#include "util/result.h"

namespace imgsync::app {

// Whether `theirs` (an Item read from the bucket) is an Item of the same capture as `ours` that
// names every asset ours names, as ours does (a thumbnail: any at the same key; another writer's
// may differ by a byte, and either names the capture's thumbnail).
bool names_every_asset(const nlohmann::json& theirs, const nlohmann::json& ours);

// Ours with every asset only theirs names; ours alone when theirs is not an Item of the capture.
nlohmann::json merge_items(const nlohmann::json& ours, const nlohmann::json& theirs);

// The Item the bucket holds after a write: ours, merged, or theirs adopted.
struct ItemWritten {
  std::string stored;  // its JSON, as on the bucket
  std::string sha256;
  std::string etag;
  bool merged = false;   // not ours as sent: the journal and the index take `stored`
  bool uploaded = true;  // false: theirs adopted (ours never reached the bucket)
};

// Writes the capture's Item by the rule above. Runs on the transfer loop; `done` once.
class ItemWriter {
 public:
  ItemWriter(const config::AppConfig& config, s3::S3Client& client)
      : config_(config), client_(client) {}
  void write(const catalog::CaptureRecordRow& capture,
             std::function<void(Result<ItemWritten>)> done);

 private:
  struct Attempt;
  void put(const std::shared_ptr<Attempt>& attempt, std::string body, std::string over_etag);
  void read_theirs(const std::shared_ptr<Attempt>& attempt, std::string sent,
                   const std::string& sent_over);

  const config::AppConfig& config_;
  s3::S3Client& client_;
};

}  // namespace imgsync::app
