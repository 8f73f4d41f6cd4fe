// util/error_predicates.h: what each failure class of docs/errors.md means, row by row. The exit
// codes built on these are checked against the doc by tests/docs/errors_doc_test.cpp.
#include "util/error_predicates.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

namespace imgsync {
namespace {

struct Meaning {
  const char* name;
  Error error;
  bool transient = false;
  bool unreachable = false;
  bool destination_unusable = false;
  bool refused_request = false;
};

// ctest names the case by its row, not its bytes.
void PrintTo(const Meaning& row, std::ostream* out) {
  *out << row.name;
}

Error error_of(ErrorCategory category, int http_status, std::string s3_code = "") {
  return Error{.category = category,
               .message = "x",
               .s3_code = std::move(s3_code),
               .http_status = http_status};
}

class ErrorPredicates : public ::testing::TestWithParam<Meaning> {};

TEST_P(ErrorPredicates, SayWhatTheFailureMeans) {
  const Meaning& row = GetParam();
  EXPECT_EQ(is_transient(row.error), row.transient);
  EXPECT_EQ(is_unreachable(row.error), row.unreachable);
  EXPECT_EQ(destination_unusable(row.error), row.destination_unusable);
  EXPECT_EQ(is_refused_request(row.error), row.refused_request);
}

using enum ErrorCategory;
INSTANTIATE_TEST_SUITE_P(
    Rows, ErrorPredicates,
    ::testing::Values(
        // No answer at all: transient, and after the retries the destination is unreachable.
        Meaning{.name = "ConnectionRefused",
                .error = error_of(kRetryable, 0),
                .transient = true,
                .unreachable = true,
                .destination_unusable = true},
        Meaning{.name = "ThrottledWithoutAnAnswer",
                .error = error_of(kThrottled, 0),
                .transient = true,
                .unreachable = true,
                .destination_unusable = true},
        // The server answered: its own trouble fails the file, never the destination.
        Meaning{.name = "InternalError500",
                .error = error_of(kRetryable, 500, "InternalError"),
                .transient = true},
        Meaning{.name = "SlowDown503",
                .error = error_of(kThrottled, 503, "SlowDown"),
                .transient = true},
        Meaning{.name = "AccessDenied403",
                .error = error_of(kAuth, 403, "AccessDenied"),
                .destination_unusable = true},
        Meaning{.name = "NoCredentials", .error = error_of(kAuth, 0), .destination_unusable = true},
        Meaning{.name = "UntrustedCertificate",
                .error = error_of(kTlsVerification, 0),
                .destination_unusable = true},
        Meaning{.name = "NoSuchBucket404",
                .error = error_of(kNotFound, 404, "NoSuchBucket"),
                .destination_unusable = true},
        // A missing key or upload is about one object, not the destination.
        Meaning{.name = "NoSuchKey404", .error = error_of(kNotFound, 404, "NoSuchKey")},
        Meaning{.name = "NoSuchUpload404", .error = error_of(kNotFound, 404, "NoSuchUpload")},
        // The server refused the request itself: tried again next run, never "damaged".
        Meaning{.name = "InvalidStorageClass400",
                .error = error_of(kInvalidInput, 400, "InvalidStorageClass"),
                .refused_request = true},
        Meaning{.name = "WrongRegion301",
                .error = error_of(kInvalidInput, 301, "PermanentRedirect"),
                .refused_request = true},
        // The user's own input, found before any request: not a refusal by the server.
        Meaning{.name = "DamagedFile", .error = error_of(kInvalidInput, 0)},
        Meaning{.name = "PreconditionFailed412",
                .error = error_of(kConflict, 412, "PreconditionFailed")},
        Meaning{.name = "BadDigest400", .error = error_of(kIntegrity, 400, "BadDigest")},
        Meaning{.name = "LocalFileVanished", .error = error_of(kLocalIo, 0)},
        Meaning{.name = "Fatal", .error = error_of(kFatal, 0)}),
    [](const ::testing::TestParamInfo<Meaning>& info) { return std::string(info.param.name); });

TEST(ErrorPredicates, EachCategoryHasItsOwnPredicate) {
  EXPECT_TRUE(is_credentials_error(error_of(kAuth, 403)));
  EXPECT_TRUE(is_tls_verification_error(error_of(kTlsVerification, 0)));
  EXPECT_TRUE(is_missing_bucket(error_of(kNotFound, 404, "NoSuchBucket")));
  EXPECT_FALSE(is_missing_bucket(error_of(kNotFound, 404, "NoSuchKey")));
  EXPECT_TRUE(is_not_found(error_of(kNotFound, 404, "NoSuchKey")));
  EXPECT_TRUE(is_conflict(error_of(kConflict, 412)));
  EXPECT_TRUE(is_invalid_input(error_of(kInvalidInput, 0)));
  EXPECT_TRUE(is_local_io(error_of(kLocalIo, 0)));
  for (const ErrorCategory other : {kRetryable, kThrottled, kIntegrity, kFatal}) {
    const Error error = error_of(other, 0);
    EXPECT_FALSE(is_credentials_error(error) || is_tls_verification_error(error) ||
                 is_not_found(error) || is_conflict(error) || is_invalid_input(error) ||
                 is_local_io(error))
        << to_string(other);
  }
}

}  // namespace
}  // namespace imgsync
