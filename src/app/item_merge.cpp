#include "app/item_merge.h"

#include <fmt/format.h>

#include "app/object_writes.h"
#include "util/error_predicates.h"
#include "util/hashing.h"

namespace imgsync::app {
namespace {

using nlohmann::json;

// Preconditions failed this many times in a row: another writer keeps changing the Item (or the
// store answers 412 to every If-Match); the Item stays dirty for the next run.
constexpr int kMaxConflicts = 4;

bool same_capture(const json& theirs, const json& ours) {
  return theirs.is_object() && ours.is_object() && theirs.contains("id") && ours.contains("id") &&
         theirs["id"] == ours["id"] && theirs.contains("assets") && theirs["assets"].is_object();
}

const json& assets_of(const json& item) {
  static const json kNone = json::object();
  auto found = item.find("assets");
  return found != item.end() && found->is_object() ? *found : kNone;
}

bool names_asset(const json& theirs, const std::string& slot, const json& asset) {
  auto found = theirs.find(slot);
  if (found == theirs.end()) return false;
  if (slot != "thumbnail") return *found == asset;
  return found->is_object() && asset.is_object() &&
         found->value("href", "") == asset.value("href", "");
}

}  // namespace

bool names_every_asset(const json& theirs, const json& ours) {
  if (!same_capture(theirs, ours)) return false;
  const json& their_assets = assets_of(theirs);
  for (const auto& [slot, asset] : assets_of(ours).items()) {
    if (!names_asset(their_assets, slot, asset)) return false;
  }
  return true;
}

json merge_items(const json& ours, const json& theirs) {
  json merged = ours;
  if (!same_capture(theirs, ours) || !merged.is_object()) return merged;
  if (!merged.contains("assets") || !merged["assets"].is_object())
    merged["assets"] = json::object();
  bool added = false;
  for (const auto& [slot, asset] : assets_of(theirs).items()) {
    if (merged["assets"].contains(slot)) continue;
    merged["assets"][slot] = asset;
    added = true;
  }
  auto extensions = theirs.find("stac_extensions");
  if (added && extensions != theirs.end() && extensions->is_array()) {
    json& mine = merged["stac_extensions"];
    if (!mine.is_array()) mine = json::array();
    for (const auto& extension : *extensions) {
      if (std::find(mine.begin(), mine.end(), extension) == mine.end()) mine.push_back(extension);
    }
  }
  return merged;
}

struct ItemWriter::Attempt {
  catalog::CaptureRecordRow capture;
  json ours;
  std::function<void(Result<ItemWritten>)> done;
  int conflicts = 0;
  bool merged = false;
};

void ItemWriter::write(const catalog::CaptureRecordRow& capture,
                       std::function<void(Result<ItemWritten>)> done) {
  auto attempt = std::make_shared<Attempt>();
  attempt->capture = capture;
  attempt->ours = json::parse(capture.item_json, nullptr, false);
  attempt->done = std::move(done);
  put(attempt, capture.item_json, capture.item_etag);
}

void ItemWriter::put(const std::shared_ptr<Attempt>& attempt, std::string body,
                     std::string over_etag) {
  const std::string sha = to_hex(sha256(body));
  auto request =
      small_object_put(config_, attempt->capture.item_key,
                       upload_attributes(config_, "application/geo+json", sha, ""), body);
  auto& learnt = client_.conditional_writes();  // this server's, learnt while talking to it
  if (over_etag.empty()) {
    request.if_none_match = true;
  } else if (!learnt.if_match_refused) {
    request.if_match = learnt.if_match_bare ? over_etag : "\"" + over_etag + "\"";
  }
  client_.put_object_async(
      std::move(request), [this, attempt, body = std::move(body), sha, &learnt,
                           over_etag = std::move(over_etag)](Result<s3::PutObjectResult> put) {
        if (put.ok()) {
          return attempt->done(ItemWritten{body, sha, put->etag, attempt->merged, true});
        }
        if (!over_etag.empty() && !learnt.if_match_refused &&
            (put.error().http_status == 501 || put.error().s3_code == "NotImplemented")) {
          // A store without If-Match on PutObject: written over whatever is there from now on,
          // as before conditional Item writes (verify still adopts another writer's Item).
          learnt.if_match_refused = true;
          return this->put(attempt, body, over_etag);
        }
        if (!is_conflict(put.error())) return attempt->done(put.take_error());
        if (++attempt->conflicts > kMaxConflicts) {
          return attempt->done(make_error(
              ErrorCategory::kConflict,
              fmt::format("the Item changed on the bucket under each of {} writes (another "
                          "writer of this capture); it stays due and is merged again next run",
                          kMaxConflicts + 1)));
        }
        read_theirs(attempt, body, over_etag);
      });
}

void ItemWriter::read_theirs(const std::shared_ptr<Attempt>& attempt, std::string sent,
                             const std::string& sent_over) {
  client_.get_object_async(
      {.bucket = config_.destination->bucket, .key = attempt->capture.item_key},
      [this, attempt, sent = std::move(sent), sent_over](Result<s3::GetObjectResult> got) mutable {
        if (!got.ok() && is_not_found(got.error())) {
          // Gone since (deleted by hand): ours goes up as a first write again.
          attempt->merged = false;
          return put(attempt, attempt->capture.item_json, "");
        }
        if (!got.ok()) return attempt->done(got.take_error());
        auto& learnt = client_.conditional_writes();
        if (!sent_over.empty() && got->info.etag == sent_over && !learnt.if_match_bare) {
          // Refused over the very ETag it holds: the store compares If-Match bare.
          learnt.if_match_bare = true;
          return put(attempt, std::move(sent), sent_over);
        }
        auto theirs = json::parse(got->body, nullptr, false);
        if (names_every_asset(theirs, attempt->ours)) {
          // Theirs stands: it already names every asset of ours. Or it is ours: an earlier
          // write landed though its answer was lost (a connection reset after the request).
          const bool ours = got->body == attempt->capture.item_json;
          return attempt->done(
              ItemWritten{got->body, to_hex(sha256(got->body)), got->info.etag, !ours, ours});
        }
        attempt->merged = true;
        put(attempt, merge_items(attempt->ours, theirs).dump(), got->info.etag);
      });
}

}  // namespace imgsync::app
