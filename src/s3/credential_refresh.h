// Temporary credentials that renew themselves: credentials a profile's credential_process printed
// with an Expiration are fetched again by running the process once more, shortly before they
// expire (or at once when the server says they have), so a long-running `imgsync watch` never
// stops for a SIGHUP when they run out. Credentials without an Expiration, or from anywhere else
// (environment, profile keys), are left as they are.
#pragma once

#include <chrono>

#include "s3/s3_settings.h"
#include "util/result.h"

namespace imgsync::s3 {

// How long before their expiration credentials count as expiring (the AWS SDKs' window).
inline constexpr std::chrono::seconds kCredentialRefreshMargin{300};

// Whether settings.credentials should be fetched again at `now`: they came from a
// credential_process, carry an expiration, and it is within kCredentialRefreshMargin.
bool credentials_expiring(const S3Settings& settings, std::chrono::system_clock::time_point now);

// Runs settings.credential_process again when credentials_expiring (or `force`: the server
// answered ExpiredToken) and takes what it prints. When the process fails, credentials that
// still work are kept and Ok is returned; once they have expired, the process's kAuth error is.
// Never logs or returns a secret.
Status refresh_expiring_credentials(S3Settings& settings, std::chrono::system_clock::time_point now,
                                    bool force = false);

}  // namespace imgsync::s3
