// What an Error means, decided in one place (rclone's fs/fserrors): every decision about a
// failure's consequence (try the request again, stop the run, pause the daemon, record the file
// as refused, the exit code) asks these predicates rather than comparing categories and HTTP
// statuses where it stands. docs/errors.md's failure table is written in their terms; the
// category of a server answer or a transport failure is set by s3/s3_error.cpp and
// s3/transport_error.cpp, the retry decision made by s3::RetryPolicy alone.
#pragma once

#include "util/result.h"

namespace imgsync {

// The same request may succeed later: a 5xx, a timeout, a reset connection, throttling.
// s3::RetryPolicy tries these again (with back-off); a caller that gets one had them retried.
inline bool is_transient(const Error& error) {
  return error.category == ErrorCategory::kRetryable || error.category == ErrorCategory::kThrottled;
}

// No server answered (connection refused, DNS failure, timeouts) even after the retries: the
// endpoint cannot be reached. Never true for an error that carries an HTTP status.
inline bool is_unreachable(const Error& error) {
  return is_transient(error) && error.http_status == 0;
}

// The credentials are missing, wrong or expired, or not allowed to do what was asked.
inline bool is_credentials_error(const Error& error) {
  return error.category == ErrorCategory::kAuth;
}

// The server's TLS certificate is untrusted or cannot be verified: nothing reaches the server
// until the user gives a CA bundle.
inline bool is_tls_verification_error(const Error& error) {
  return error.category == ErrorCategory::kTlsVerification;
}

// The destination's bucket does not exist (not a missing key or upload in it).
inline bool is_missing_bucket(const Error& error) {
  return error.category == ErrorCategory::kNotFound && error.s3_code == "NoSuchBucket";
}

// The destination as a whole refuses or cannot be reached: every further request would fail the
// same way, so a run stops (the files not done stay pending) and the daemon pauses, rather than
// failing every file. Credentials, an untrusted certificate, a missing bucket, an unreachable
// endpoint.
inline bool destination_unusable(const Error& error) {
  return is_credentials_error(error) || is_tls_verification_error(error) ||
         is_missing_bucket(error) || is_unreachable(error);
}

// The server answered and refused the request itself (invalid-input with an HTTP status: a wrong
// storage class, a part too small, the wrong region): the file's own bytes are not at fault, so
// it is recorded as `refused` and tried again by the next run, never marked damaged.
inline bool is_refused_request(const Error& error) {
  return error.category == ErrorCategory::kInvalidInput && error.http_status != 0;
}

// The user's own input is wrong (a flag, a setting, a file's bytes, a name): trying again
// changes nothing until the user does.
inline bool is_invalid_input(const Error& error) {
  return error.category == ErrorCategory::kInvalidInput;
}

// Whatever was asked for (a key, an upload id, a bucket) does not exist.
inline bool is_not_found(const Error& error) {
  return error.category == ErrorCategory::kNotFound;
}

// A local file or the state directory could not be read or written.
inline bool is_local_io(const Error& error) {
  return error.category == ErrorCategory::kLocalIo;
}

// A precondition failed: the key is taken (If-None-Match), the bucket exists, a concurrent change.
inline bool is_conflict(const Error& error) {
  return error.category == ErrorCategory::kConflict;
}

}  // namespace imgsync
