// `imgsync enqueue`: files handed over explicitly become pending journal rows, for a running
// watch daemon (woken by kEnqueueNotice in the state directory) or the next sync.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "catalog/journal_store.h"
#include "config/app_config.h"
#include "util/result.h"

namespace imgsync::app {

struct EnqueueOutcome {
  int queued = 0;
  // The file that could not be stat'ed (the files before it are queued; the daemon is not woken):
  // a usage error of the caller.
  std::optional<Error> unreadable_file;
};

// Marks each of `files` pending in the journal, keeping what the journal knew of it; a file
// outside every source gets `default_kind` and its own folder as source. Then wakes a running
// daemon. An error is the journal's.
Result<EnqueueOutcome> enqueue_files(catalog::JournalStore& journal,
                                     const config::AppConfig& config,
                                     const std::vector<std::string>& files,
                                     config::SourceKind default_kind);

}  // namespace imgsync::app
