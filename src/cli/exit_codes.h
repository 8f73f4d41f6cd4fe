// Process exit codes, as promised in docs/design.md §5 and docs/errors.md: the one mapping from
// an Error to an exit code, used by every command (tests/docs/exit_codes_doc_test.cpp walks
// docs/errors.md's table against it and checks that no command decides on its own).
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <string_view>

#include "util/error_predicates.h"
#include "util/result.h"

namespace imgsync::cli {

inline constexpr int kExitOk = 0;           // all done
inline constexpr int kExitSomeFailed = 1;   // some items failed; the rest done, failures recorded
inline constexpr int kExitUsage = 2;        // usage or configuration error
inline constexpr int kExitDestination = 3;  // destination unusable: credentials, bucket, endpoint

// Where in a command the error ended it: the same category means something else before any work
// started than while talking to the destination.
enum class ErrorStage {
  kRun,      // the destination, the index or the files, once the command runs
  kSetup,    // resolving imgsync.toml, the flags and the credentials
  kJournal,  // opening or locking the journal
};

// kRun: the destination (credentials, bucket, an untrusted certificate, an endpoint that cannot
// be reached even after retries) is 3, a usage mistake 2, anything else 1.
// kSetup: credentials that cannot be found or used are 3; anything else is a configuration
// mistake, 2.
// kJournal: an I/O failure (disk full, unwritable state directory) is 1 like any other local
// failure; locked by another process past the busy timeout, held by another daemon, or damaged
// is 2 (nothing was tried).
inline int exit_code_for(const Error& error, ErrorStage stage = ErrorStage::kRun) {
  switch (stage) {
    case ErrorStage::kSetup:
      return is_credentials_error(error) ? kExitDestination : kExitUsage;
    case ErrorStage::kJournal:
      return is_local_io(error) ? kExitSomeFailed : kExitUsage;
    case ErrorStage::kRun:
      break;
  }
  // What the command was pointed at does not exist (a bucket, a key, an upload): 3, like a
  // destination that cannot be used.
  if (destination_unusable(error) || is_not_found(error)) return kExitDestination;
  if (is_invalid_input(error)) return kExitUsage;
  return kExitSomeFailed;
}

// Ends COMMAND with ERROR: "imgsync COMMAND: message" on stderr, and the error's exit code at
// STAGE (kRun: once the command runs).
inline int fail(std::string_view command, const Error& error, ErrorStage stage = ErrorStage::kRun) {
  fmt::print(stderr, "imgsync {}: {}\n", command, error.message);
  return exit_code_for(error, stage);
}

// Ends COMMAND with an ERROR of its set-up (imgsync.toml, the flags, the credentials).
inline int fail_setup(std::string_view command, const Error& error) {
  return fail(command, error, ErrorStage::kSetup);
}

}  // namespace imgsync::cli
