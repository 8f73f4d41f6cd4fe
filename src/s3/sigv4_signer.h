// AWS Signature Version 4 for S3: signed request headers, presigned URLs and the per-chunk
// signatures of aws-chunked streaming uploads. Pure computation: no I/O, no clock, no logging.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s3/credentials.h"
#include "s3/http_types.h"  // HttpHeader, shared with the HTTP engine so headers pass through as is
#include "util/result.h"

namespace imgsync::s3 {

// A request as it will be sent, before anything is encoded.
struct SigningInput {
  std::string method;  // "GET", "PUT"...
  std::string host;    // exactly the Host header value, host[:port]; always signed
  // DECODED path, e.g. "/bucket/my photo.jpg"; the signer percent-encodes every byte except '/'.
  std::string path;
  // DECODED names and values; "?lifecycle" is {"lifecycle", ""}.
  std::vector<std::pair<std::string, std::string>> query;
  // The other headers that will be sent, all signed (content-md5, content-type, x-amz-meta-*,
  // range...). A Host or Authorization entry here is ignored. When x-amz-date,
  // x-amz-content-sha256 or x-amz-security-token is already here, it is used as given and not
  // added again.
  std::vector<HttpHeader> headers;
  // Hex SHA-256 of the body, "UNSIGNED-PAYLOAD" or "STREAMING-AWS4-HMAC-SHA256-PAYLOAD". Empty:
  // the x-amz-content-sha256 header when given, else the hash of an empty body.
  std::string payload_sha256_hex;
};

struct SignedRequest {
  // In this order, each only when needed: X-Amz-Date, X-Amz-Content-SHA256 (service "s3"),
  // X-Amz-Security-Token (temporary credentials), Authorization.
  std::vector<HttpHeader> headers_to_add;
  std::string canonical_request;  // for tests and debugging only
  std::string string_to_sign;
  std::string signature;  // lowercase hex
};

// A presigned URL with the intermediate strings, for tests and debugging.
struct PresignedRequest {
  std::string url;
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
};

class SigV4Signer {
 public:
  struct Options {
    std::string region = "us-east-1";
    std::string service = "s3";
    // True for generic AWS services (remove "." and ".." segments, collapse "//"). False for S3,
    // which never normalizes: "a//b/../c" is a literal key.
    bool normalize_path = false;
    // False: temporary credentials' X-Amz-Security-Token is added after signing, unsigned (for
    // services that want it so). Presigned URLs always sign it.
    bool sign_session_token = true;
  };

  static constexpr std::chrono::seconds kMinPresignExpiry{1};
  static constexpr std::chrono::seconds kMaxPresignExpiry{7 * 24 * 3600};

  SigV4Signer(Credentials credentials, Options options);

  // Header-based authentication. `when` dates the request unless input.headers has x-amz-date.
  SignedRequest sign(const SigningInput& input, std::chrono::system_clock::time_point when) const;

  // Query-string authentication: a URL anyone can use until `expires` after `when`.
  // expires must be 1 s .. 7 days and scheme "https" or "http", else kInvalidInput; no
  // credentials is kAuth. The payload is always UNSIGNED-PAYLOAD (input.payload_sha256_hex is
  // not used); a session token goes in the signed X-Amz-Security-Token parameter.
  Result<std::string> presign(const SigningInput& input, std::chrono::seconds expires,
                              std::chrono::system_clock::time_point when,
                              std::string_view scheme) const;
  Result<PresignedRequest> presign_request(const SigningInput& input, std::chrono::seconds expires,
                                           std::chrono::system_clock::time_point when,
                                           std::string_view scheme) const;

  // aws-chunked streaming upload: the signature of one chunk, chained to the previous chunk's
  // signature (the request's seed signature for the first chunk; the last chunk is empty).
  // `when` must be the time the seed request was signed with.
  std::string chunk_signature(std::string_view previous_signature, std::string_view chunk,
                              std::chrono::system_clock::time_point when) const;
  std::string chunk_string_to_sign(std::string_view previous_signature, std::string_view chunk,
                                   std::chrono::system_clock::time_point when) const;

  // Hex of the day's derived signing key; for tests against published values.
  std::string signing_key_hex(std::chrono::system_clock::time_point when) const;

 private:
  std::string credential_scope(std::string_view date_stamp) const;
  std::string signature_of(std::string_view string_to_sign, std::string_view date_stamp) const;

  Credentials credentials_;
  Options options_;
};

}  // namespace imgsync::s3
