// A capture's name is won on the bucket by a small put-if-absent claim object
// (claims/YYYY/MM/DD/<name>) whose imgsync-sha256 names the content that owns the name. A single
// PUT with If-None-Match holds on every S3; Ceph RGW ignores preconditions on
// CompleteMultipartUpload, so a multipart file could not win its key by itself. Whoever holds the
// claim owns every key of that name (its assets, Item and thumbnail): another writer with the
// same name takes its next one, so two machines never block or overwrite each other. A claim
// that already names this capture's content is ours (an earlier run, or the capture's other
// file).
#pragma once

#include <functional>

#include "app/capture_planner.h"
#include "catalog/journal_store.h"
#include "config/app_config.h"
#include "s3/s3_client.h"
#include "transfer/task_queue.h"
#include "util/result.h"

namespace imgsync::app {

class NameClaims {
 public:
  NameClaims(const config::AppConfig& config, catalog::JournalStore& journal, s3::S3Client& client)
      : config_(config), journal_(journal), client_(client) {}

  // `done(true)`: the name is ours (recorded in the journal); `done(false)`: other content holds
  // it; an Error when the server could not say.
  using Done = std::function<void(Result<bool>)>;
  void claim(transfer::TaskQueue& queue, const PlannedFile& planned, Done done);

 private:
  void check(transfer::TaskQueue& queue, const PlannedFile& planned, Done done);
  void won(const PlannedFile& planned, const Done& done);

  const config::AppConfig& config_;
  catalog::JournalStore& journal_;
  s3::S3Client& client_;
};

}  // namespace imgsync::app
