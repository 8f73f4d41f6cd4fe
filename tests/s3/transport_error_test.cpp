// transport_error: libcurl's failure codes to categories. Every code of an untrusted or
// unverifiable server certificate is kTlsVerification (never retried, exit 3), and its message
// names the fix.
#include "s3/transport_error.h"

#include <gtest/gtest.h>

#include "util/error_predicates.h"

namespace imgsync::s3 {
namespace {

const std::string kUrl = "https://s3.example:7480/bucket/key.jpg";

struct CodeRow {
  const char* name;
  CURLcode code;
  ErrorCategory category;
};

class TransportErrorCategory : public ::testing::TestWithParam<CodeRow> {};

TEST_P(TransportErrorCategory, MapsTheCurlCode) {
  const CodeRow& row = GetParam();
  const Error error = transport_error(row.code, "", kUrl);
  EXPECT_EQ(error.category, row.category) << error.message;
  EXPECT_EQ(error.http_status, 0);
  EXPECT_NE(error.message.find(kUrl), std::string::npos) << error.message;
}

INSTANTIATE_TEST_SUITE_P(
    TransportError, TransportErrorCategory,
    ::testing::Values(
        CodeRow{"CouldntConnect", CURLE_COULDNT_CONNECT, ErrorCategory::kRetryable},
        CodeRow{"CouldntResolveHost", CURLE_COULDNT_RESOLVE_HOST, ErrorCategory::kRetryable},
        CodeRow{"Timeout", CURLE_OPERATION_TIMEDOUT, ErrorCategory::kRetryable},
        CodeRow{"GotNothing", CURLE_GOT_NOTHING, ErrorCategory::kRetryable},
        CodeRow{"SslConnectError", CURLE_SSL_CONNECT_ERROR, ErrorCategory::kRetryable},
        CodeRow{"PeerFailedVerification", CURLE_PEER_FAILED_VERIFICATION,
                ErrorCategory::kTlsVerification},
        CodeRow{"CaCertBadFile", CURLE_SSL_CACERT_BADFILE, ErrorCategory::kTlsVerification},
        CodeRow{"CertProblem", CURLE_SSL_CERTPROBLEM, ErrorCategory::kTlsVerification},
        CodeRow{"IssuerError", CURLE_SSL_ISSUER_ERROR, ErrorCategory::kTlsVerification},
        CodeRow{"PinnedPubKeyNotMatch", CURLE_SSL_PINNEDPUBKEYNOTMATCH,
                ErrorCategory::kTlsVerification},
        CodeRow{"ReadError", CURLE_READ_ERROR, ErrorCategory::kLocalIo},
        CodeRow{"UnsupportedProtocol", CURLE_UNSUPPORTED_PROTOCOL, ErrorCategory::kFatal}),
    [](const ::testing::TestParamInfo<CodeRow>& info) { return std::string(info.param.name); });

TEST(TransportError, AnUntrustedCertificateNamesTheCaBundleAndTheTestOnlyWayOut) {
  const Error error = transport_error(CURLE_PEER_FAILED_VERIFICATION,
                                      "SSL certificate problem: self-signed certificate", kUrl);
  EXPECT_EQ(to_string(error.category), "tls-verification");
  EXPECT_FALSE(is_transient(error));
  EXPECT_TRUE(destination_unusable(error));
  for (const char* named : {"certificate", "self-signed certificate", "AWS_CA_BUNDLE",
                            "--ca-bundle", "--no-verify-ssl", "test endpoints only"}) {
    EXPECT_NE(error.message.find(named), std::string::npos) << named << ": " << error.message;
  }
}

TEST(TransportError, AnUnloadableCaBundleSaysSo) {
  const Error error = transport_error(CURLE_SSL_CACERT_BADFILE, "", kUrl);
  EXPECT_EQ(error.category, ErrorCategory::kTlsVerification);
  EXPECT_NE(error.message.find("CA bundle could not be loaded"), std::string::npos)
      << error.message;
  EXPECT_NE(error.message.find("--ca-bundle"), std::string::npos) << error.message;
}

TEST(TransportError, WithoutCurlsDetailTheCodesOwnTextIsUsed) {
  const Error error = transport_error(CURLE_COULDNT_CONNECT, "", kUrl);
  EXPECT_NE(error.message.find(curl_easy_strerror(CURLE_COULDNT_CONNECT)), std::string::npos)
      << error.message;
}

}  // namespace
}  // namespace imgsync::s3
