#include "app/object_writes.h"

#include "util/error_predicates.h"

namespace imgsync::app {

s3::ObjectAttributes upload_attributes(const config::AppConfig& config,
                                       const std::string& content_type, const std::string& sha,
                                       const std::string& item_key) {
  s3::ObjectAttributes attributes;
  attributes.content_type = content_type;
  attributes.metadata["imgsync-sha256"] = sha;
  if (!item_key.empty()) attributes.metadata["imgsync-item"] = item_key;
  attributes.storage_class = config.upload.storage_class;
  attributes.server_side_encryption = config.upload.server_side_encryption;
  attributes.sse_kms_key_id = config.upload.sse_kms_key_id;
  return attributes;
}

s3::PutObjectRequest small_object_put(const config::AppConfig& config, const std::string& key,
                                      const s3::ObjectAttributes& attributes, std::string body) {
  return {.bucket = config.destination->bucket,
          .key = key,
          .body = s3::Body::from_string(std::move(body)),
          .attributes = attributes};
}

Result<KeyState> inspect_key(s3::S3Client& client, const std::string& bucket,
                             const std::string& key, const std::string& sha,
                             const std::string& confirmed_key,
                             const std::string& confirmed_sha256) {
  auto head = client.head_object(bucket, key);
  if (!head.ok()) {
    if (is_not_found(head.error())) return KeyState{};
    return head.take_error();
  }
  KeyState state{AtKey::kOtherContent, {head->etag, head->version_id}};
  const std::string held = head->metadata["imgsync-sha256"];
  if (held == sha) {
    state.at = AtKey::kThisContent;
  } else if (confirmed_key == key && !confirmed_sha256.empty() && held == confirmed_sha256) {
    state.at = AtKey::kOurEarlierVersion;
  }
  return state;
}

}  // namespace imgsync::app
