#include "s3/s3_error.h"

#include <gtest/gtest.h>

namespace imgsync::s3 {
namespace {

HttpResponse response(long status, const std::string& code, const std::string& extra = "") {
  HttpResponse result;
  result.status = status;
  if (!code.empty()) {
    result.body = "<?xml version=\"1.0\"?><Error><Code>" + code +
                  "</Code><Message>server words</Message><RequestId>req-1</RequestId>" + extra +
                  "</Error>";
  }
  return result;
}

const ErrorContext kContext{"PutObject", "s3://b/k", "AKIDTEST", "us-east-1"};

struct Case {
  long status;
  const char* code;
  ErrorCategory expected;
};

class ErrorCategoryTest : public ::testing::TestWithParam<Case> {};

TEST_P(ErrorCategoryTest, MapsStatusAndCodeToCategory) {
  const Case& c = GetParam();
  const Error error = error_from_response(response(c.status, c.code), kContext);
  EXPECT_EQ(error.category, c.expected) << c.status << " " << c.code << ": " << error.describe();
  EXPECT_EQ(error.http_status, c.status);
  if (c.code[0] != '\0') {
    EXPECT_EQ(error.s3_code, c.code);
    EXPECT_EQ(error.request_id, "req-1");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Codes, ErrorCategoryTest,
    ::testing::Values(Case{503, "SlowDown", ErrorCategory::kThrottled},
                      Case{429, "", ErrorCategory::kThrottled},
                      Case{500, "InternalError", ErrorCategory::kRetryable},
                      Case{502, "", ErrorCategory::kRetryable},
                      Case{503, "ServiceUnavailable", ErrorCategory::kRetryable},
                      Case{503, "", ErrorCategory::kRetryable},
                      Case{400, "Throttling", ErrorCategory::kThrottled},
                      Case{400, "ThrottlingException", ErrorCategory::kThrottled},
                      Case{400, "RequestTimeout", ErrorCategory::kRetryable},
                      Case{400, "BadDigest", ErrorCategory::kIntegrity},
                      Case{400, "XAmzContentSHA256Mismatch", ErrorCategory::kIntegrity},
                      Case{403, "SignatureDoesNotMatch", ErrorCategory::kAuth},
                      Case{403, "InvalidAccessKeyId", ErrorCategory::kAuth},
                      Case{400, "ExpiredToken", ErrorCategory::kAuth},
                      Case{403, "RequestTimeTooSkewed", ErrorCategory::kAuth},
                      Case{403, "AccessDenied", ErrorCategory::kAuth},
                      Case{403, "", ErrorCategory::kAuth},
                      Case{404, "NoSuchKey", ErrorCategory::kNotFound},
                      Case{404, "NoSuchBucket", ErrorCategory::kNotFound},
                      Case{404, "", ErrorCategory::kNotFound},
                      Case{412, "PreconditionFailed", ErrorCategory::kConflict},
                      Case{409, "BucketAlreadyExists", ErrorCategory::kConflict},
                      Case{400, "EntityTooSmall", ErrorCategory::kInvalidInput},
                      Case{400, "InvalidArgument", ErrorCategory::kInvalidInput},
                      Case{301, "PermanentRedirect", ErrorCategory::kInvalidInput}));

TEST(S3Error, AuthMessagesNameTheKeyIdAndTheFix) {
  const Error error = error_from_response(response(403, "SignatureDoesNotMatch"), kContext);
  EXPECT_NE(error.message.find("AKIDTEST"), std::string::npos);
  EXPECT_NE(error.message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
  EXPECT_NE(error.describe().find("HTTP 403"), std::string::npos);
}

TEST(S3Error, WrongRegionSaysWhichRegion) {
  const Error error = error_from_response(
      response(400, "AuthorizationHeaderMalformed", "<Region>eu-west-1</Region>"), kContext);
  EXPECT_EQ(error.category, ErrorCategory::kInvalidInput);
  EXPECT_NE(error.message.find("AWS_REGION=eu-west-1"), std::string::npos) << error.message;
}

TEST(S3Error, HeadWithoutBodyUsesStatusAndRequestIdHeader) {
  HttpResponse head;
  head.status = 404;
  head.headers = {{"X-Amz-Request-Id", "tx-9"}};
  const Error error = error_from_response(head, kContext);
  EXPECT_EQ(error.category, ErrorCategory::kNotFound);
  EXPECT_EQ(error.s3_code, "NotFound");
  EXPECT_EQ(error.request_id, "tx-9");
}

TEST(S3Error, GarbageBodyDoesNotCrashAndFallsBackToStatus) {
  HttpResponse garbage;
  garbage.status = 503;
  garbage.body = "<Error><Code>unterminated";
  EXPECT_EQ(error_from_response(garbage, kContext).category, ErrorCategory::kRetryable);
  garbage.body = std::string("\0\xff<<<", 5);
  EXPECT_EQ(error_from_response(garbage, kContext).category, ErrorCategory::kRetryable);
}

}  // namespace
}  // namespace imgsync::s3
