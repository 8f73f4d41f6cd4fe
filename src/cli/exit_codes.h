// Process exit codes, as promised in docs/design.md §5 and docs/errors.md.
#pragma once

#include "util/result.h"

namespace imgsync::cli {

inline constexpr int kExitOk = 0;           // all done
inline constexpr int kExitSomeFailed = 1;   // some items failed; the rest done, failures recorded
inline constexpr int kExitUsage = 2;        // usage or configuration error
inline constexpr int kExitDestination = 3;  // destination unusable: credentials, bucket, endpoint

// The exit code for an error that ends a command: the destination (credentials, bucket, an
// endpoint that cannot be reached even after retries) is 3, a usage or configuration mistake 2,
// anything else 1.
inline int exit_code_for(const Error& error) {
  switch (error.category) {
    case ErrorCategory::kAuth:
    case ErrorCategory::kNotFound:
      return kExitDestination;
    case ErrorCategory::kInvalidInput:
      return kExitUsage;
    case ErrorCategory::kRetryable:
    case ErrorCategory::kThrottled:
      return error.http_status == 0 ? kExitDestination : kExitSomeFailed;
    default:
      return kExitSomeFailed;
  }
}

// The journal cannot be opened: locked by another process past the busy timeout, or damaged, is
// 2 (docs/errors.md: nothing was tried); an I/O failure (disk full, unwritable state directory)
// is 1 like any other local failure.
inline int exit_code_for_journal(const Error& error) {
  return error.category == ErrorCategory::kLocalIo ? kExitSomeFailed : kExitUsage;
}

}  // namespace imgsync::cli
