// S3Client's request core (dispatch: sign, send, classify, retry) on a fake HTTP engine: how many
// attempts each class of failure gets, the back-off the default policy asks for, and the single
// re-sign after a clock-skew answer. The numbers are docs/errors.md's: up to 8 attempts, delays
// drawn from [0, min(20 s, 100 ms x 2^n)), throttling from a 500 ms floor, integrity retried once.
#include <gtest/gtest.h>

#include <algorithm>

#include "fake_http_engine.h"
#include "s3/s3_client.h"
#include "util/time_format.h"

namespace imgsync::s3 {
namespace {

using namespace std::chrono_literals;
using testing::FakeHttpEngine;

using testing::answer;
using testing::fake_settings;

// A client on a fake engine that answers every request with `script`; the engine stays
// reachable through `engine`.
struct FakeClient {
  explicit FakeClient(FakeHttpEngine::Script script, int max_attempts = 0) {
    auto fake = std::make_unique<FakeHttpEngine>(std::move(script));
    engine = fake.get();
    client =
        std::make_unique<S3Client>(fake_settings(max_attempts), S3ClientOptions{}, std::move(fake));
  }
  Result<HttpResponse> get() {
    S3Request request;
    request.operation = "GetObject";
    request.bucket = "b";
    request.key = "photos/a b.jpg";
    return client->send(std::move(request));
  }
  FakeHttpEngine* engine = nullptr;
  std::unique_ptr<S3Client> client;
};

TEST(S3ClientDispatch, DefaultPolicyNumbersAreTheDocumentedOnes) {
  const RetryOptions defaults;
  EXPECT_EQ(defaults.max_attempts, 8);
  EXPECT_EQ(defaults.base_delay, 100ms);
  EXPECT_EQ(defaults.max_delay, 20000ms);
  EXPECT_EQ(defaults.throttled_base_delay, 500ms);
}

struct ClassRow {
  const char* name;
  long status;  // 0: a transport failure (no HTTP answer)
  const char* code;
  int attempts;  // with the default policy
  ErrorCategory category;
};

class AttemptsPerClass : public ::testing::TestWithParam<ClassRow> {};

TEST_P(AttemptsPerClass, TheClassDecidesHowOftenARequestIsSent) {
  const ClassRow& row = GetParam();
  FakeClient fake([&row](const HttpRequest&, int) -> Result<HttpResponse> {
    if (row.status == 0) return make_error(ErrorCategory::kRetryable, "connection refused");
    return answer(row.status, row.code);
  });
  auto outcome = fake.get();
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().category, row.category) << outcome.error().describe();
  EXPECT_EQ(static_cast<int>(fake.engine->requests().size()), row.attempts);
  EXPECT_EQ(static_cast<int>(fake.engine->delays().size()), row.attempts - 1);
  if (row.status != 0) {
    EXPECT_EQ(outcome.error().http_status, row.status);
  }
}

INSTANTIATE_TEST_SUITE_P(
    S3ClientDispatch, AttemptsPerClass,
    ::testing::Values(
        ClassRow{"Status0ConnectionRefused", 0, "", 8, ErrorCategory::kRetryable},
        ClassRow{"InternalError500", 500, "InternalError", 8, ErrorCategory::kRetryable},
        ClassRow{"BadGateway502", 502, "", 8, ErrorCategory::kRetryable},
        ClassRow{"ServiceUnavailable503", 503, "ServiceUnavailable", 8, ErrorCategory::kRetryable},
        ClassRow{"Status503WithoutACode", 503, "", 8, ErrorCategory::kRetryable},
        ClassRow{"RequestTimeout400", 400, "RequestTimeout", 8, ErrorCategory::kRetryable},
        ClassRow{"SlowDown503", 503, "SlowDown", 8, ErrorCategory::kThrottled},
        ClassRow{"Throttling400", 400, "Throttling", 8, ErrorCategory::kThrottled},
        ClassRow{"Status429WithoutACode", 429, "", 8, ErrorCategory::kThrottled},
        ClassRow{"BadDigest400", 400, "BadDigest", 2, ErrorCategory::kIntegrity},
        ClassRow{"SignatureDoesNotMatch403", 403, "SignatureDoesNotMatch", 1, ErrorCategory::kAuth},
        ClassRow{"InvalidAccessKeyId403", 403, "InvalidAccessKeyId", 1, ErrorCategory::kAuth},
        ClassRow{"ExpiredToken403", 403, "ExpiredToken", 1, ErrorCategory::kAuth},
        ClassRow{"AccessDenied403", 403, "AccessDenied", 1, ErrorCategory::kAuth},
        ClassRow{"SkewWithoutADate403", 403, "RequestTimeTooSkewed", 1, ErrorCategory::kAuth},
        ClassRow{"NoSuchBucket404", 404, "NoSuchBucket", 1, ErrorCategory::kNotFound},
        ClassRow{"NoSuchUpload404", 404, "NoSuchUpload", 1, ErrorCategory::kNotFound},
        ClassRow{"PreconditionFailed412", 412, "PreconditionFailed", 1, ErrorCategory::kConflict},
        ClassRow{"InvalidArgument400", 400, "InvalidArgument", 1, ErrorCategory::kInvalidInput},
        ClassRow{"EntityTooSmall400", 400, "EntityTooSmall", 1, ErrorCategory::kInvalidInput}),
    [](const ::testing::TestParamInfo<ClassRow>& info) { return std::string(info.param.name); });

TEST(S3ClientDispatch, AwsMaxAttemptsOverridesTheDefault) {
  FakeClient fake([](const HttpRequest&, int) { return answer(500, "InternalError"); }, 2);
  EXPECT_FALSE(fake.get().ok());
  EXPECT_EQ(fake.engine->requests().size(), 2u);
}

// The client asks RetryPolicy and nothing else: at AWS_MAX_ATTEMPTS=1 a transient failure is
// sent once, a BadDigest still twice (the policy's integrity rule, not a client override).
TEST(S3ClientDispatch, AtOneAttemptOnlyAnIntegrityErrorIsSentAgain) {
  FakeClient transient([](const HttpRequest&, int) { return answer(500, "InternalError"); }, 1);
  EXPECT_FALSE(transient.get().ok());
  EXPECT_EQ(transient.engine->requests().size(), 1u);
  FakeClient integrity([](const HttpRequest&, int) { return answer(400, "BadDigest"); }, 1);
  auto outcome = integrity.get();
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().category, ErrorCategory::kIntegrity);
  EXPECT_EQ(integrity.engine->requests().size(), 2u);
}

// An untrusted certificate (the engine's transport error) ends the request at once.
TEST(S3ClientDispatch, AnUntrustedCertificateIsNeverSentAgain) {
  FakeClient fake([](const HttpRequest&, int) -> Result<HttpResponse> {
    return make_error(ErrorCategory::kTlsVerification, "TLS certificate check failed");
  });
  auto outcome = fake.get();
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().category, ErrorCategory::kTlsVerification);
  EXPECT_EQ(fake.engine->requests().size(), 1u);
  EXPECT_TRUE(fake.engine->delays().empty());
}

TEST(S3ClientDispatch, ATransientFailureThenSuccessIsInvisibleAndEachRetryIsNoticed) {
  FakeClient fake([](const HttpRequest&, int number) {
    return number < 3 ? answer(503, "SlowDown") : answer(200);
  });
  std::vector<int> noticed;
  fake.client->on_retry = [&noticed](const S3Client::RetryNotice& notice) {
    noticed.push_back(notice.attempt);
    EXPECT_EQ(notice.target, "s3://b/photos/a b.jpg");
    EXPECT_EQ(notice.error->category, ErrorCategory::kThrottled);
  };
  auto outcome = fake.get();
  ASSERT_TRUE(outcome.ok()) << outcome.error().describe();
  EXPECT_EQ(fake.engine->requests().size(), 3u);
  EXPECT_EQ(noticed, (std::vector<int>{1, 2}));
  // Every attempt is signed afresh for the same, encoded path.
  for (const auto& request : fake.engine->requests()) {
    EXPECT_EQ(request.url, "http://127.0.0.1:9/b/photos/a%20b.jpg");
  }
}

// Many clients (each RetryPolicy is seeded at random): every delay stays under its ceiling, and
// the ceilings are really used (some draw comes near the top), so a wrong base, floor or cap
// would show.
std::vector<std::vector<std::chrono::milliseconds>> delays_of_many_runs(long status,
                                                                        const char* code) {
  std::vector<std::vector<std::chrono::milliseconds>> runs;
  for (int run = 0; run < 200; ++run) {
    FakeClient fake([&](const HttpRequest&, int) { return answer(status, code); });
    EXPECT_FALSE(fake.get().ok());
    runs.push_back(fake.engine->delays());
  }
  return runs;
}

void expect_ceilings(const std::vector<std::vector<std::chrono::milliseconds>>& runs,
                     const std::vector<long long>& ceilings) {
  for (std::size_t retry = 0; retry < ceilings.size(); ++retry) {
    long long longest = 0;
    for (const auto& delays : runs) {
      ASSERT_EQ(delays.size(), ceilings.size());
      EXPECT_LE(delays[retry].count(), ceilings[retry]) << "retry " << retry + 1;
      longest = std::max(longest, static_cast<long long>(delays[retry].count()));
    }
    // 200 uniform draws: all below 80% of the ceiling has odds of 0.8^200 (about 1e-19).
    EXPECT_GT(longest, ceilings[retry] * 8 / 10) << "retry " << retry + 1;
  }
}

TEST(S3ClientDispatch, ServerErrorsBackOffFrom100msDoublingPerAttempt) {
  expect_ceilings(delays_of_many_runs(500, "InternalError"),
                  {100, 200, 400, 800, 1600, 3200, 6400});
}

TEST(S3ClientDispatch, ThrottlingBacksOffFrom500msUpTo20s) {
  expect_ceilings(delays_of_many_runs(503, "SlowDown"),
                  {500, 1000, 2000, 4000, 8000, 16000, 20000});
}

std::string amz_date(const HttpRequest& request) {
  const std::string date = request.header("x-amz-date");
  return date.empty() ? "none" : date;
}

TEST(S3ClientDispatch, ClockSkewIsCorrectedFromTheServersDateAndSignedAgainOnce) {
  const auto server_time = parse_http_date("Tue, 01 Jan 2030 12:00:00 GMT");
  ASSERT_TRUE(server_time.ok());
  const std::string server_date = format_http_date(*server_time);
  FakeClient fake([&](const HttpRequest&, int) {
    return answer(403, "RequestTimeTooSkewed", {{"Date", server_date}});
  });
  auto outcome = fake.get();
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().category, ErrorCategory::kAuth);
  // Once with our clock, once with the server's: a second skew answer is final.
  ASSERT_EQ(fake.engine->requests().size(), 2u);
  EXPECT_TRUE(fake.engine->delays().empty()) << "the re-sign is at once, not after a back-off";
  EXPECT_NE(amz_date(fake.engine->requests()[0]).rfind("20300101T1", 0), 0u);
  EXPECT_EQ(amz_date(fake.engine->requests()[1]).rfind("20300101T1", 0), 0u)
      << amz_date(fake.engine->requests()[1]);
}

TEST(S3ClientDispatch, CorrectedClockIsKeptForLaterRequests) {
  const auto server_time = parse_http_date("Tue, 01 Jan 2030 12:00:00 GMT");
  ASSERT_TRUE(server_time.ok());
  const std::string server_date = format_http_date(*server_time);
  FakeClient fake([&](const HttpRequest&, int number) {
    return number == 1 ? answer(403, "RequestTimeTooSkewed", {{"Date", server_date}}) : answer(200);
  });
  ASSERT_TRUE(fake.get().ok());
  ASSERT_TRUE(fake.get().ok());
  ASSERT_EQ(fake.engine->requests().size(), 3u);
  EXPECT_EQ(amz_date(fake.engine->requests()[2]).rfind("20300101T1", 0), 0u)
      << "the next request is signed with the server's clock too";
  EXPECT_GT(fake.client->clock_offset(), std::chrono::hours(24 * 365));
}

}  // namespace
}  // namespace imgsync::s3
