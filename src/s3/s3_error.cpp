#include "s3/s3_error.h"

#include <fmt/format.h>

#include <optional>
#include <pugixml.hpp>

#include "util/error_predicates.h"

namespace imgsync::s3 {

S3ErrorBody parse_error_body(const std::string& xml) {
  S3ErrorBody body;
  if (xml.empty()) return body;
  pugi::xml_document document;
  if (!document.load_buffer(xml.data(), xml.size())) return body;
  pugi::xml_node error = document.child("Error");
  if (!error) return body;
  body.code = error.child_value("Code");
  body.message = error.child_value("Message");
  body.request_id = error.child_value("RequestId");
  body.region = error.child_value("Region");
  body.server_time = error.child_value("ServerTime");
  body.endpoint = error.child_value("Endpoint");
  return body;
}

namespace {

std::string default_code(long status) {
  switch (status) {
    case 301:
      return "PermanentRedirect";
    case 304:
      return "NotModified";
    case 400:
      return "BadRequest";
    case 403:
      return "AccessDenied";
    case 404:
      return "NotFound";
    case 409:
      return "Conflict";
    case 412:
      return "PreconditionFailed";
    case 416:
      return "InvalidRange";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 503:
      return "ServiceUnavailable";
    default:
      return "";
  }
}

struct Classified {
  ErrorCategory category;
  std::string advice;
};

// Failures that a retry may get past: throttling, a temporary server-side failure, data
// corrupted on the way.
std::optional<Classified> classify_transient(long status, const std::string& code) {
  using C = ErrorCategory;
  if (code == "SlowDown" || code == "Throttling" || code == "ThrottlingException" ||
      code == "RequestLimitExceeded" || code == "TooManyRequests" || status == 429) {
    return Classified{C::kThrottled, "the server asks to slow down; imgsync retries with back-off"};
  }
  if (code == "RequestTimeout" || code == "InternalError" || code == "ServiceUnavailable" ||
      status >= 500) {
    return Classified{C::kRetryable,
                      "a temporary server-side failure; imgsync retries with back-off"};
  }
  if (code == "BadDigest" || code == "XAmzContentSHA256Mismatch" || code == "InvalidDigest") {
    return Classified{
        C::kIntegrity,
        "the data the server received does not match its checksum: it was corrupted in "
        "transit or the file changed while being read; it is uploaded again from scratch"};
  }
  return std::nullopt;
}

// The credentials, the clock, the region or the permissions do not let the request through.
std::optional<Classified> classify_credentials(long status, const std::string& code,
                                               const ErrorContext& context,
                                               const S3ErrorBody& body) {
  using C = ErrorCategory;
  if (code == "InvalidAccessKeyId") {
    return Classified{C::kAuth, fmt::format("the server does not know access key id '{}'; check "
                                            "AWS_ACCESS_KEY_ID or the profile's aws_access_key_id",
                                            context.access_key_id)};
  }
  if (code == "SignatureDoesNotMatch") {
    return Classified{C::kAuth,
                      fmt::format("the secret key for access key id '{}' is wrong; check "
                                  "AWS_SECRET_ACCESS_KEY or the profile's aws_secret_access_key",
                                  context.access_key_id)};
  }
  if (code == "ExpiredToken" || code == "TokenRefreshRequired" || code == "InvalidToken") {
    return Classified{C::kAuth,
                      "the session token has expired or is invalid; obtain fresh temporary "
                      "credentials (AWS_SESSION_TOKEN)"};
  }
  if (code == "RequestTimeTooSkewed") {
    return Classified{C::kAuth,
                      "this machine's clock is too far from the server's; fix the system "
                      "time (e.g. enable NTP)"};
  }
  if (code == "AuthorizationHeaderMalformed" || code == "PermanentRedirect" || status == 301) {
    const std::string where =
        body.region.empty() ? std::string("another region") : "region '" + body.region + "'";
    return Classified{C::kInvalidInput,
                      fmt::format("the bucket is in {}, not '{}'; set AWS_REGION{}", where,
                                  context.region, body.region.empty() ? "" : "=" + body.region)};
  }
  if (code == "AccessDenied" || code == "AllAccessDisabled" || status == 403) {
    return Classified{C::kAuth,
                      fmt::format("access key id '{}' is not allowed to do {} on {}; check the "
                                  "bucket policy and the IAM permissions",
                                  context.access_key_id, context.operation, context.target)};
  }
  return std::nullopt;
}

Classified classify(long status, const std::string& code, const ErrorContext& context,
                    const S3ErrorBody& body) {
  using C = ErrorCategory;
  if (auto transient = classify_transient(status, code)) return *transient;
  if (auto refused = classify_credentials(status, code, context, body)) return *refused;
  if (code == "NoSuchBucket") {
    return {C::kNotFound,
            "the bucket does not exist; create it with 'imgsync init' or check "
            "the destination's spelling"};
  }
  if (code == "NoSuchKey" || code == "NoSuchUpload" || code == "NoSuchLifecycleConfiguration" ||
      code == "NoSuchCORSConfiguration" || code == "NoSuchBucketPolicy" ||
      code == "NoSuchPublicAccessBlockConfiguration" || code == "NoSuchTagSet" || status == 404) {
    return {C::kNotFound, "it does not exist"};
  }
  if (code == "PreconditionFailed" || status == 412) {
    return {C::kConflict, "a precondition failed: another object already holds this key"};
  }
  if (code == "BucketAlreadyExists") {
    return {C::kConflict, "the bucket name is taken by another account; choose another name"};
  }
  if (code == "BucketAlreadyOwnedByYou" || code == "OperationAborted" || code == "BucketNotEmpty" ||
      status == 409) {
    return {C::kConflict, "it conflicts with the bucket's current state"};
  }
  if (code == "EntityTooLarge" || code == "EntityTooSmall") {
    return {C::kInvalidInput,
            "the object or part size is outside what S3 accepts (parts: 5 MiB "
            "to 5 GiB except the last; objects up to 5 TiB)"};
  }
  if (code == "InvalidBucketName") {
    return {C::kInvalidInput,
            "the bucket name is not valid (3-63 characters: lowercase letters, "
            "digits, dots and hyphens)"};
  }
  if (status >= 400 && status < 500) return {C::kInvalidInput, "the server rejected the request"};
  return {C::kFatal, "unexpected response"};
}

}  // namespace

Error error_from_response(const HttpResponse& response, const ErrorContext& context) {
  const S3ErrorBody body = parse_error_body(response.body);
  Error error;
  error.http_status = static_cast<int>(response.status);
  error.s3_code = body.code.empty() ? default_code(response.status) : body.code;
  error.request_id =
      body.request_id.empty() ? response.header("x-amz-request-id") : body.request_id;
  const Classified classified = classify(response.status, error.s3_code, context, body);
  error.category = classified.category;
  error.message =
      fmt::format("{} {} failed: {}", context.operation, context.target, classified.advice);
  if (!body.message.empty() && !is_credentials_error(error)) {
    error.message += fmt::format(" [server: {}]", body.message);
  }
  return error;
}

}  // namespace imgsync::s3
