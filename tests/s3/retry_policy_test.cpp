#include "s3/retry_policy.h"

#include <gtest/gtest.h>

namespace imgsync::s3 {
namespace {

Error error_of(ErrorCategory category) {
  return make_error(category, "x");
}

TEST(RetryPolicy, RetriesTransientErrorsUpToTheLimit) {
  RetryPolicy policy({.max_attempts = 4}, 1);
  for (auto category : {ErrorCategory::kRetryable, ErrorCategory::kThrottled}) {
    EXPECT_TRUE(policy.should_retry(error_of(category), 1));
    EXPECT_TRUE(policy.should_retry(error_of(category), 3));
    EXPECT_FALSE(policy.should_retry(error_of(category), 4));
  }
}

TEST(RetryPolicy, NeverRetriesWhatCannotGetBetter) {
  RetryPolicy policy({}, 1);
  for (auto category : {ErrorCategory::kAuth, ErrorCategory::kNotFound, ErrorCategory::kConflict,
                        ErrorCategory::kInvalidInput, ErrorCategory::kLocalIo,
                        ErrorCategory::kTlsVerification, ErrorCategory::kFatal}) {
    EXPECT_FALSE(policy.should_retry(error_of(category), 1)) << to_string(category);
  }
}

// An untrusted certificate stays untrusted: not even a generous limit tries it again.
TEST(RetryPolicy, NeverRetriesAnUntrustedCertificate) {
  RetryPolicy policy({.max_attempts = 100}, 1);
  Error untrusted = error_of(ErrorCategory::kTlsVerification);
  untrusted.http_status = 0;
  for (int attempt = 1; attempt < 100; ++attempt) {
    EXPECT_FALSE(policy.should_retry(untrusted, attempt)) << attempt;
  }
}

// A checksum mismatch is sent once more, never more, whatever max_attempts says: at 1 (no
// retries of transient failures) it still gets its second attempt, at 8 no third.
TEST(RetryPolicy, RetriesAnIntegrityErrorExactlyOnceWhateverTheLimit) {
  for (int max_attempts : {1, 2, 8}) {
    RetryPolicy policy({.max_attempts = max_attempts}, 1);
    EXPECT_TRUE(policy.should_retry(error_of(ErrorCategory::kIntegrity), 1)) << max_attempts;
    EXPECT_FALSE(policy.should_retry(error_of(ErrorCategory::kIntegrity), 2)) << max_attempts;
  }
  RetryPolicy single({.max_attempts = 1}, 1);
  EXPECT_FALSE(single.should_retry(error_of(ErrorCategory::kRetryable), 1));
}

TEST(RetryPolicy, FullJitterStaysWithinTheExponentialCeiling) {
  RetryOptions options;
  options.base_delay = std::chrono::milliseconds(100);
  options.max_delay = std::chrono::milliseconds(5000);
  RetryPolicy policy(options, 42);
  for (int attempt = 1; attempt <= 12; ++attempt) {
    const long long ceiling = std::min<long long>(5000, 100LL << (attempt - 1));
    long long largest = 0;
    for (int draw = 0; draw < 200; ++draw) {
      const auto delay = policy.delay(error_of(ErrorCategory::kRetryable), attempt).count();
      ASSERT_GE(delay, 0);
      ASSERT_LE(delay, ceiling);
      largest = std::max<long long>(largest, delay);
    }
    // Jitter spreads over the whole range, not a fixed delay.
    EXPECT_GT(largest, ceiling / 2) << "attempt " << attempt;
  }
}

TEST(RetryPolicy, ThrottlingBacksOffFromAHigherFloor) {
  RetryOptions options;
  options.base_delay = std::chrono::milliseconds(10);
  options.throttled_base_delay = std::chrono::milliseconds(1000);
  RetryPolicy policy(options, 7);
  long long largest_plain = 0, largest_throttled = 0;
  for (int draw = 0; draw < 200; ++draw) {
    largest_plain = std::max<long long>(
        largest_plain, policy.delay(error_of(ErrorCategory::kRetryable), 1).count());
    largest_throttled = std::max<long long>(
        largest_throttled, policy.delay(error_of(ErrorCategory::kThrottled), 1).count());
  }
  EXPECT_LE(largest_plain, 10);
  EXPECT_GT(largest_throttled, 500);
}

}  // namespace
}  // namespace imgsync::s3
