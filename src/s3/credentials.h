// AWS credentials as resolved by config/ (environment, profiles) and consumed by the signer.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace imgsync::s3 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;  // never logged, never in an error message
  std::string session_token;      // empty for long-term keys; never logged
  // When temporary credentials stop working, if known (credential_process / SSO caches).
  std::optional<std::chrono::system_clock::time_point> expiration;
  std::string source;  // where they came from, for messages: "environment", "profile default"...

  bool empty() const { return access_key_id.empty() || secret_access_key.empty(); }
};

}  // namespace imgsync::s3
