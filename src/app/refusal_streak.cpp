#include "app/refusal_streak.h"

#include <fmt/format.h>

#include "util/error_predicates.h"

namespace imgsync::app {

std::optional<Error> RefusalStreak::note(const Error& error, bool any_success) {
  // Only a 4xx refusal of the request itself (invalid-input): 5xx are the server's own trouble,
  // integrity errors the data's, conflicts the key's.
  if (!is_refused_request(error) || error.http_status < 400 || error.http_status >= 500 ||
      any_success) {
    same_ = 0;
    return std::nullopt;
  }
  const std::string signature = error.s3_code + "/" + std::to_string(error.http_status);
  same_ = signature == last_ ? same_ + 1 : 1;
  last_ = signature;
  if (same_ < kLimit) return std::nullopt;
  Error stop = error;
  stop.message = fmt::format(
      "the server refused {} files in a row the same way ({}), so the run stopped: {}. Check "
      "the settings every upload carries ([upload] storage_class / --storage-class, "
      "server_side_encryption / --sse, sse_kms_key_id); the files stay pending for the next run",
      same_, error.s3_code.empty() ? "HTTP " + std::to_string(error.http_status) : error.s3_code,
      error.message);
  return stop;
}

}  // namespace imgsync::app
