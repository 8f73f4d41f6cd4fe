// `imgsync init`: makes a bucket ready for imgsync, idempotently. Creates it when missing (in the
// configured region), writes a README object describing the layout under the prefix, blocks
// public access (or, with a public prefix, allows exactly a bucket policy for anonymous GET on
// that prefix), adds a lifecycle rule aborting incomplete multipart uploads, CORS for the gallery,
// and optionally versioning. Rules and policy statements that are not imgsync's are kept.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/s3_uri.h"
#include "s3/s3_client.h"
#include "util/result.h"

namespace imgsync::app {

struct BucketSetupOptions {
  config::S3Uri destination;
  int abort_incomplete_days = 7;
  bool versioning = false;
  // Relative to the destination prefix ("gallery/", "thumbnails/"); none: nothing public.
  std::vector<std::string> public_prefixes;
  std::vector<std::string> cors_origins = {"*"};
  bool dry_run = false;
};

// One step, done or (dry run) intended: "create bucket", "lifecycle", ...
struct BucketSetupStep {
  std::string name;
  std::string detail;
  bool changed = false;   // false: already so, or only described (dry run)
  std::string warning{};  // set when the step was adapted to the server (see the .cpp)
};

// Errors name the step, the server's answer and what to do about it.
Result<std::vector<BucketSetupStep>> set_up_bucket(s3::S3Client& client,
                                                   const BucketSetupOptions& options);

// The statement imgsync adds for a public prefix, and a whole policy with it merged into
// `existing` (an empty string: no policy yet). Statements with other Sids are kept.
std::string merge_public_read_policy(const std::string& existing, const std::string& bucket,
                                     const std::vector<std::string>& key_prefixes);

}  // namespace imgsync::app
