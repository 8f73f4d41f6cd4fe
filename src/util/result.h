// Expected failures as values: every fallible operation returns Result<T>.
// Modelled on rclone's fserrors and LevelDB's Status: the category decides what the caller does
// (retry, pause, skip, stop), asked through util/error_predicates.h; the message is for a person
// and must say what to do about it.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace imgsync {

enum class ErrorCategory {
  kRetryable,     // transient: 5xx, timeouts, connection resets; try again with backoff
  kThrottled,     // 429 / SlowDown: try again, slower
  kAuth,          // credentials missing, wrong, expired; clock skew that could not be corrected
  kNotFound,      // bucket, key or upload id does not exist
  kConflict,      // 409 / 412: precondition failed, bucket exists, concurrent change
  kInvalidInput,  // the request or the user's input is wrong; retrying will not help
  kIntegrity,     // a checksum did not match (BadDigest, size or hash mismatch)
  kLocalIo,       // a local file could not be read or written
  // The server's TLS certificate is untrusted or cannot be verified: no request reaches it until
  // a CA bundle is given; never retried, the destination is unusable.
  kTlsVerification,
  kFatal,  // anything else that retrying cannot fix
};

std::string_view to_string(ErrorCategory category);

struct Error {
  ErrorCategory category = ErrorCategory::kFatal;
  std::string message;       // what went wrong and what to do about it; never contains a secret
  std::string s3_code{};     // e.g. "NoSuchKey", empty when not from S3
  std::string request_id{};  // x-amz-request-id when known
  int http_status = 0;       // 0 when no HTTP response was received

  // One line for a person: message, then the S3 code, status and request id when known.
  std::string describe() const;
};

Error make_error(ErrorCategory category, std::string message);

// A value or an Error. Deliberately small: C++20 has no std::expected.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }
  Error&& take_error() {
    assert(!ok());
    return std::get<1>(std::move(state_));
  }

 private:
  std::variant<T, Error> state_;
};

// Result<void>: success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design
  static Status success() { return {}; }

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(!ok());
    return *error_;
  }

 private:
  std::optional<Error> error_;
};

}  // namespace imgsync
