#include "s3/credential_refresh.h"

#include <spdlog/spdlog.h>

#include "s3/credential_process.h"

namespace imgsync::s3 {

bool credentials_expiring(const S3Settings& settings, std::chrono::system_clock::time_point now) {
  return !settings.credential_process.empty() && settings.credentials.expiration &&
         now + kCredentialRefreshMargin >= *settings.credentials.expiration;
}

Status refresh_expiring_credentials(S3Settings& settings, std::chrono::system_clock::time_point now,
                                    bool force) {
  if (settings.credential_process.empty()) return {};
  if (!force && !credentials_expiring(settings, now)) return {};
  auto fresh = run_credential_process(settings.credential_process);
  const bool still_valid =
      !force && settings.credentials.expiration && now < *settings.credentials.expiration;
  if (!fresh.ok()) {
    if (still_valid) {
      spdlog::warn(
          "renewing credentials from {} failed ({}); the current ones work until they "
          "expire",
          settings.credentials.source, fresh.error().message);
      return {};
    }
    return fresh.take_error();
  }
  fresh->source = settings.credentials.source;
  settings.credentials = std::move(*fresh);
  spdlog::info("renewed credentials from {}", settings.credentials.source);
  return {};
}

}  // namespace imgsync::s3
