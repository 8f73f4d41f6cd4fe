// `imgsync verify`: proves that what the journal calls uploaded is in the bucket, intact. Every
// uploaded file's object is HEADed and its size and stored x-amz-meta-imgsync-sha256 compared with
// the journal; every Item must exist. --deep downloads each object and hashes it. What is missing
// or altered is marked in the journal for upload again (the object is replaced only under the
// overwrite rule: its stored sha256 must be the one imgsync confirmed there, else the file takes
// its next name); transport and permission errors only report. An Item another writer of its
// capture rewrote is adopted when it still names every asset of this journal's (app/item_merge.h).
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "catalog/journal_store.h"
#include "s3/s3_client.h"
#include "util/result.h"

namespace imgsync::app {

struct VerifyProblem {
  std::string path;  // the local file (empty for an Item)
  std::string key;
  std::string problem;
  // Missing or altered: the journal now has the file (or Item) to upload again, and the next
  // `imgsync sync` (or the running daemon's next rescan) repairs it.
  bool queued_for_repair = false;
};

struct VerifyReport {
  int objects_checked = 0;
  int items_checked = 0;
  int problems = 0;
  int queued_for_repair = 0;
  // Items another writer of the same capture (a machine with the same bytes) rewrote and that
  // still name every asset of this journal's: recorded as they are, not problems.
  int items_adopted = 0;
  std::uint64_t bytes_downloaded = 0;  // --deep
};

struct VerifyOptions {
  bool deep = false;
  int jobs = 16;
  std::filesystem::path scratch_dir;  // --deep downloads land here, one file at a time per job
};

Result<VerifyReport> verify_uploads(catalog::JournalStore& journal, s3::S3Client& client,
                                    const std::string& bucket, const VerifyOptions& options,
                                    const std::function<void(const VerifyProblem&)>& on_problem);

}  // namespace imgsync::app
