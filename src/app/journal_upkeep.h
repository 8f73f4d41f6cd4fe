// What a sync run does for the journal and the bucket besides uploading: adopting the rows of a
// journal written before destinations were recorded, and aborting multipart uploads of its own
// keys that nothing will continue.
#pragma once

#include <optional>
#include <string>

#include "catalog/journal_store.h"
#include "config/app_config.h"
#include "s3/s3_client.h"
#include "util/result.h"

namespace imgsync::app {

// A journal written before destinations were recorded: its rows belong to the destination that
// holds their objects. Up to three recent uploads under this destination's prefix are looked up;
// if one is there with the recorded content, the rows become this destination's (the note to
// report is returned). Otherwise they stay apart, and this destination's files are planned from
// scratch.
Result<std::optional<std::string>> adopt_legacy_rows(const config::AppConfig& config,
                                                     catalog::JournalStore& journal,
                                                     s3::S3Client& client);

// Multipart uploads of our own keys that the journal does not continue: left by a run that died
// between CreateMultipartUpload and recording the upload id, or by content that changed since.
// Uploads of keys the journal does not know are someone else's and are left alone. Returns how
// many were aborted (a listing failure is not an error here: it surfaces on upload).
Result<int> abort_abandoned_uploads(const config::AppConfig& config, catalog::JournalStore& journal,
                                    s3::S3Client& client);

}  // namespace imgsync::app
