// What sync's parts share about the objects imgsync writes: the attributes every object carries,
// the single PUT of a small object, and the overwrite rule's look at a key. (Whether an error
// means the destination itself is unusable is util/error_predicates.h's destination_unusable.)
#pragma once

#include <string>

#include "config/app_config.h"
#include "s3/s3_client.h"
#include "util/result.h"

namespace imgsync::app {

// Its type, its sha256 (for verify and for the overwrite rule), the Item it belongs to, and the
// [upload] storage settings.
s3::ObjectAttributes upload_attributes(const config::AppConfig& config,
                                       const std::string& content_type, const std::string& sha,
                                       const std::string& item_key);

// A single PUT of a small object imgsync makes itself (an Item, a thumbnail, a claim).
s3::PutObjectRequest small_object_put(const config::AppConfig& config, const std::string& key,
                                      const s3::ObjectAttributes& attributes, std::string body);

// What is at the key before an edit replaces it (the overwrite rule): imgsync replaces only the
// object it confirmed there itself (its imgsync-sha256 is the hash the journal confirmed), so an
// edit goes through even after a killed re-upload, and other content is never overwritten.
enum class AtKey { kFree, kOurEarlierVersion, kThisContent, kOtherContent };
struct KeyState {
  AtKey at = AtKey::kFree;
  s3::PutObjectResult held;  // the ETag and version of the object there, if any
};
// `sha`: the content to upload; `confirmed_key`/`confirmed_sha256`: what the journal confirmed
// for the file at this destination (empty when nothing). One HEAD.
Result<KeyState> inspect_key(s3::S3Client& client, const std::string& bucket,
                             const std::string& key, const std::string& sha,
                             const std::string& confirmed_key, const std::string& confirmed_sha256);

}  // namespace imgsync::app
