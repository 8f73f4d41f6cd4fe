#include "s3/retry_policy.h"

#include <algorithm>

namespace imgsync::s3 {

RetryPolicy::RetryPolicy(RetryOptions options, std::uint64_t seed)
    : options_(options), random_(seed) {}

bool RetryPolicy::should_retry(const Error& error, int attempt) const {
  // Auth, validation, not-found, conflict and local errors never get better by themselves.
  // Integrity errors (BadDigest) are retried: the body is read and hashed again.
  const bool transient = error.retryable() || error.category == ErrorCategory::kIntegrity;
  return transient && attempt < options_.max_attempts;
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
