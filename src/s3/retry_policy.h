// The one place that decides whether and when a failed request is tried again:
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

  // Retry after the `attempt`-th failure (1-based) with this error?
  bool should_retry(const Error& error, int attempt) const;
  // How long to wait before the next attempt.
  std::chrono::milliseconds delay(const Error& error, int attempt);
  const RetryOptions& options() const { return options_; }

 private:
  RetryOptions options_;
  std::mt19937_64 random_;
};

}  // namespace imgsync::s3
