#include "s3/retry_policy.h"

#include <algorithm>

namespace imgsync::s3 {

RetryPolicy::RetryPolicy(RetryOptions options, std::uint64_t seed)
    : options_(options), random_(seed) {}

bool RetryPolicy::should_retry(const Error& error, int attempt) const {
  switch (error.category) {
    case ErrorCategory::kRetryable:
    case ErrorCategory::kThrottled:
      return attempt < options_.max_attempts;
    case ErrorCategory::kIntegrity:
      // The body is read and hashed again; a second mismatch means the source changed, so once,
      // and once even when max_attempts allows no retries of transient failures.
      return attempt < kIntegrityAttempts;
    case ErrorCategory::kAuth:
    case ErrorCategory::kNotFound:
    case ErrorCategory::kConflict:
    case ErrorCategory::kInvalidInput:
    case ErrorCategory::kLocalIo:
    case ErrorCategory::kTlsVerification:
    case ErrorCategory::kFatal:
      // Never get better by themselves: an untrusted certificate stays untrusted until the user
      // gives a CA bundle.
      return false;
  }
  return false;
}

std::chrono::milliseconds RetryPolicy::delay(const Error& error, int attempt) {
  const auto base = error.category == ErrorCategory::kThrottled ? options_.throttled_base_delay
                                                                : options_.base_delay;
  const int exponent = std::clamp(attempt - 1, 0, 30);
  const long double ceiling = std::min<long double>(
      static_cast<long double>(options_.max_delay.count()),
      static_cast<long double>(base.count()) * static_cast<long double>(1ULL << exponent));
  std::uniform_int_distribution<long long> draw(0, static_cast<long long>(ceiling));
  return std::chrono::milliseconds(draw(random_));
}

}  // namespace imgsync::s3
