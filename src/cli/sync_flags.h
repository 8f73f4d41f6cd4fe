// The flags shared by sync, status, retry and verify, and how they combine with imgsync.toml:
// a flag beats the file, the file beats the defaults. `imgsync sync SRC... --to s3://B/P` needs
// no file at all.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/s3_flags.h"
#include "config/app_config.h"
#include "config/aws_settings.h"
#include "media/metadata_worker_pool.h"
#include "util/result.h"

namespace imgsync::cli {

struct SyncFlags {
  std::string config_path;
  std::vector<std::string> sources;      // positional: enhanced (processed) images
  std::vector<std::string> raw_sources;  // --raw DIR
  std::string to;
  std::string deprecated_destination;  // --destination, the old spelling of --to
  std::string project, name_template, state_dir;
  std::string catalog;  // --catalog postgresql://...: the shared catalog ([catalog] url)
  int jobs = 0;
  std::optional<int> metadata_jobs;  // --metadata-jobs: [upload] metadata_jobs when not given
  std::string part_size, multipart_threshold, storage_class, sse, sse_kms_key_id;
  bool json = false;
  bool no_thumbnails = false;
  int thumbnail_size = 0;
  S3Flags s3;
};

// --catalog URL.
void add_catalog_option(CLI::App& command, std::string& url);

// with_sources: the command takes SRC... and the upload flags (sync, retry).
void add_sync_flags(CLI::App& command, SyncFlags& flags, bool with_sources);

struct SyncSetup {
  config::AppConfig config;
  s3::S3Settings s3;
};

// imgsync.toml (--config, else the working directory's) with --to applied; its `destination` is
// empty when neither names one (doctor and search have their own answer to that).
Result<config::AppConfig> load_flagged_config(const SyncFlags& flags);

// kInvalidInput for usage and configuration mistakes (exit 2), kAuth when no credentials (exit 3).
// Without need_credentials (a command that only reads local state), missing credentials are
// not an error and `s3` is left at its defaults.
Result<SyncSetup> resolve_sync_setup(const SyncFlags& flags, bool need_credentials = true);

// sync's and watch's metadata readers ([upload] metadata_jobs): nullptr for 1, or when the
// worker processes cannot be started (said on stderr; the files are then read in this process).
// Call it before any other thread exists: it forks.
std::unique_ptr<media::MetadataWorkerPool> start_metadata_readers(const char* command,
                                                                  const config::AppConfig& config);

// The journal's name for the set-up's destination (endpoint, bucket, prefix): each destination
// has its own records in the one journal of the state directory.
std::string journal_destination(const SyncSetup& setup);

}  // namespace imgsync::cli
