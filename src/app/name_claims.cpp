#include "app/name_claims.h"

#include <nlohmann/json.hpp>

#include "app/object_writes.h"
#include "util/error_predicates.h"

namespace imgsync::app {

void NameClaims::claim(transfer::TaskQueue& queue, const PlannedFile& planned, Done done) {
  const std::string body = nlohmann::json{
      {"name", planned.name},
      {"item", planned.item_key},
      {"owner_sha256",
       planned.owner_sha256}}.dump();
  auto put = small_object_put(
      config_, planned.claim_key,
      upload_attributes(config_, "application/json", planned.owner_sha256, planned.item_key), body);
  put.if_none_match = true;
  queue.push_urgent([this, &queue, put = std::move(put), planned,
                     done](transfer::TaskQueue::Finished finished) mutable {
    client_.put_object_async(
        std::move(put), [this, &queue, planned, done, finished](Result<s3::PutObjectResult> r) {
          finished();
          if (r.ok()) return won(planned, done);
          if (!is_conflict(r.error())) {
            return done(r.take_error());
          }
          check(queue, planned, done);
        });
  });
}

void NameClaims::check(transfer::TaskQueue& queue, const PlannedFile& planned, Done done) {
  queue.push_urgent([this, planned, done](transfer::TaskQueue::Finished finished) {
    client_.head_object_async({config_.destination->bucket, planned.claim_key},
                              [this, planned, done, finished](Result<s3::ObjectInfo> r) {
                                finished();
                                if (!r.ok()) return done(r.take_error());
                                if (r->metadata["imgsync-sha256"] != planned.owner_sha256) {
                                  return done(false);
                                }
                                won(planned, done);
                              });
  });
}

void NameClaims::won(const PlannedFile& planned, const Done& done) {
  if (Status ok = journal_.set_capture_claimed(planned.name); !ok.ok()) return done(ok.error());
  done(true);
}

}  // namespace imgsync::app
