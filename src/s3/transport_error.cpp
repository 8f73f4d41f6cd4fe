#include "s3/transport_error.h"

#include <fmt/format.h>

namespace imgsync::s3 {

Error transport_error(CURLcode code, std::string_view detail, const std::string& url) {
  const std::string what = !detail.empty() ? std::string(detail) : curl_easy_strerror(code);
  switch (code) {
    case CURLE_COULDNT_CONNECT:
      return make_error(ErrorCategory::kRetryable,
                        fmt::format("cannot connect to {}: {}; is the endpoint right and the "
                                    "server running?",
                                    url, what));
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return make_error(ErrorCategory::kRetryable,
                        fmt::format("cannot resolve the host of {}: {}; check the endpoint "
                                    "(AWS_ENDPOINT_URL) and the network",
                                    url, what));
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return make_error(ErrorCategory::kRetryable,
                        fmt::format("connection to {} failed: {}", url, what));
    case CURLE_SSL_CACERT_BADFILE:
      // The CA bundle itself is unusable: no certificate can be verified with it.
      return make_error(ErrorCategory::kTlsVerification,
                        fmt::format("TLS certificate check failed for {}: {}; the CA bundle "
                                    "could not be loaded: point --ca-bundle (or AWS_CA_BUNDLE) at "
                                    "a readable PEM file",
                                    url, what));
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      return make_error(ErrorCategory::kTlsVerification,
                        fmt::format("TLS certificate check failed for {}: {}; set AWS_CA_BUNDLE "
                                    "(or --ca-bundle) to the CA file that signed the server's "
                                    "certificate (--no-verify-ssl turns verification off: for "
                                    "test endpoints only)",
                                    url, what));
    case CURLE_READ_ERROR:
    case CURLE_WRITE_ERROR:
      return make_error(ErrorCategory::kLocalIo,
                        fmt::format("local file error during transfer to {}: {}", url, what));
    default:
      return make_error(ErrorCategory::kFatal, fmt::format("transfer to {} failed: {}", url, what));
  }
}

}  // namespace imgsync::s3
