// Turns an unsuccessful S3 response into a typed Error a person can act on.
#pragma once

#include <string>

#include "s3/http_types.h"
#include "util/result.h"

namespace imgsync::s3 {

// What the failed request was about, to phrase the message.
struct ErrorContext {
  std::string operation;      // "PutObject"
  std::string target;         // "s3://bucket/key"
  std::string access_key_id;  // named in auth errors (the secret never is)
  std::string region;
};

// Parses <Error><Code/><Message/><RequestId/></Error> when present; HEAD responses have no body,
// so the status alone decides then.
Error error_from_response(const HttpResponse& response, const ErrorContext& context);

// The S3 error code from an error body, or "" (exposed for tests and clock-skew handling).
struct S3ErrorBody {
  std::string code, message, request_id, region, server_time, endpoint;
};
S3ErrorBody parse_error_body(const std::string& xml);

}  // namespace imgsync::s3
