// The one place that decides whether and when a failed request is tried again (S3Client asks it
// for every failure; only a clock-skew or expired-token answer gets its own single re-sign):
// exponential back-off with full jitter (delay drawn uniformly from [0, min(cap, base * 2^n))).
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "util/result.h"

namespace imgsync::s3 {

struct RetryOptions {
  int max_attempts = 8;  // including the first
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds max_delay{20000};
  // Throttling backs off from a higher floor: the server asked us to slow down.
  std::chrono::milliseconds throttled_base_delay{500};
};

class RetryPolicy {
 public:
  explicit RetryPolicy(RetryOptions options = {}, std::uint64_t seed = std::random_device{}());

  // An integrity failure (BadDigest, a hash mismatch) is sent this often at most, whatever
  // max_attempts says: once more, never more.
  static constexpr int kIntegrityAttempts = 2;

  // Retry after the `attempt`-th failure (1-based) with this error? Transient failures
  // (retryable, throttled) up to max_attempts, integrity failures up to kIntegrityAttempts,
  // nothing else ever.
  bool should_retry(const Error& error, int attempt) const;
  // How long to wait before the next attempt.
  std::chrono::milliseconds delay(const Error& error, int attempt);
  const RetryOptions& options() const { return options_; }

 private:
  RetryOptions options_;
  std::mt19937_64 random_;
};

}  // namespace imgsync::s3
