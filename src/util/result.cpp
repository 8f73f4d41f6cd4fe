#include "util/result.h"

#include <fmt/format.h>

namespace imgsync {

std::string_view to_string(ErrorCategory category) {
  switch (category) {
    case ErrorCategory::kRetryable:
      return "retryable";
    case ErrorCategory::kThrottled:
      return "throttled";
    case ErrorCategory::kAuth:
      return "auth";
    case ErrorCategory::kNotFound:
      return "not-found";
    case ErrorCategory::kConflict:
      return "conflict";
    case ErrorCategory::kInvalidInput:
      return "invalid-input";
    case ErrorCategory::kIntegrity:
      return "integrity";
    case ErrorCategory::kLocalIo:
      return "local-io";
    case ErrorCategory::kTlsVerification:
      return "tls-verification";
    case ErrorCategory::kFatal:
      return "fatal";
  }
  return "fatal";
}

std::string Error::describe() const {
  std::string text = message;
  if (!s3_code.empty() || http_status != 0 || !request_id.empty()) {
    text += " (";
    std::string sep;
    if (!s3_code.empty()) {
      text += s3_code;
      sep = ", ";
    }
    if (http_status != 0) {
      text += fmt::format("{}HTTP {}", sep, http_status);
      sep = ", ";
    }
    if (!request_id.empty()) text += fmt::format("{}request id {}", sep, request_id);
    text += ")";
  }
  return text;
}

Error make_error(ErrorCategory category, std::string message) {
  Error error;
  error.category = category;
  error.message = std::move(message);
  return error;
}

}  // namespace imgsync
