// imgsync.toml: what to upload, where, and how. Every key can be overridden by a flag (cli/).
//
//   destination = "s3://bucket/prefix"
//   project = "survey"
//   name_template = "{project}_{slug}_{date:%Y%m%d}"
//   state_dir = ".imgsync"                 # default: .imgsync next to this file
//   [[source]]
//   path = "out/raw"                       # relative to this file
//   kind = "raw"                           # raw | enhanced
//   include = ["*.jpg", "*.cr3"]           # default: common image extensions
//   exclude = ["*_tmp.*"]
//   [upload]
//   jobs = 16
//   metadata_jobs = 0                      # processes reading metadata: 0 = one per core
//   part_size = "16MiB"                    # default: chosen per file, under 10,000 parts
//   multipart_threshold = "64MiB"
//   storage_class = "STANDARD_IA"
//   sse = "AES256"                         # or "aws:kms" with sse_kms_key_id
//   ready_marker = ".done"                 # watch: wait for IMG.done (or "sidecar")
//   [thumbnails]
//   enabled = true                         # WebP previews under thumbnails/ (media/thumbnail.h)
//   long_edge = 512                        # pixels
//   quality = 80                           # WebP quality 1..100
//   [watch]
//   settle = 2.0                           # seconds a closed file must stay unchanged
//   metrics = "127.0.0.1:9184"             # Prometheus /metrics and /healthz (docs/operations.md)
//   [[notify]]                             # see notifier_config.h
//   [catalog]                              # a shared PostgreSQL catalog: catalog_config.h
//   url, password_env
//   [s3]
//   profile, region, endpoint_url, addressing_style, ca_bundle, verify_tls
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/aws_settings.h"
#include "config/catalog_config.h"
#include "config/notifier_config.h"
#include "config/s3_uri.h"
#include "config/source_kind.h"
#include "util/result.h"

namespace imgsync::config {

struct SourceFolder {
  std::filesystem::path path;
  SourceKind kind = SourceKind::kEnhanced;
  std::vector<std::string>
      include;  // glob patterns on the file name; empty = default_image_globs()
  std::vector<std::string> exclude;
  // When `imgsync watch` counts a file as ready, beyond "closed and unchanged for the settle time":
  // "" (nothing more), a suffix such as ".done" (IMG.done or IMG.jpg.done must exist), or
  // "sidecar" (IMG.xmp, IMG.jpg.xmp or IMG.json must exist).
  std::string ready_marker;
};

const std::vector<std::string>& default_image_globs();

// [upload] metadata_jobs and --metadata-jobs: 0 (one worker process per core) to this.
inline constexpr int kMaxMetadataJobs = 64;

struct UploadSettings {
  int jobs = 16;
  // Worker processes reading the files' metadata (app/metadata_reader.h): 0 = one per core,
  // 1 = none (read in the imgsync process itself).
  int metadata_jobs = 0;
  std::optional<std::uint64_t> part_size;  // nullopt: chosen per file
  std::uint64_t multipart_threshold = 64ULL * 1024 * 1024;
  std::string storage_class;
  std::string server_side_encryption;  // "", "AES256", "aws:kms"
  std::string sse_kms_key_id;
};

// [thumbnails]: one WebP preview per capture, from its enhanced file (else its raw one).
struct ThumbnailSettings {
  bool enabled = true;
  int long_edge = 512;
  int quality = 80;
};

struct AppConfig {
  std::filesystem::path config_file;  // empty: no file was read
  std::optional<S3Uri> destination;
  std::string project = "imgsync";
  std::string name_template;  // empty: the default template
  std::filesystem::path state_dir;
  std::vector<SourceFolder> sources;
  UploadSettings upload;
  ThumbnailSettings thumbnails;
  S3Overrides s3;
  double settle_seconds = 2.0;  // [watch] settle: how long a closed file must stay unchanged
  std::string metrics_address;  // [watch] metrics: "HOST:PORT" to serve /metrics on ("" = off)
  std::vector<NotifierConfig> notifiers;
  CatalogSettings catalog;  // [catalog]: url empty = the local SQLite index
};

// Reads and validates a file. Unknown keys, wrong types and bad values are kInvalidInput errors
// that name the file, the line and the key, and say what is expected.
Result<AppConfig> load_app_config(const std::filesystem::path& file);
// The same from the text of a file (`file` names it in messages and anchors relative paths).
Result<AppConfig> parse_app_config(std::string_view text, const std::filesystem::path& file);
// toml++'s description of a syntax error without the input it quotes ("saw 'x'"): a TOML file
// may hold a secret (a webhook URL with its token), and a broken line is often that one.
std::string toml_problem_without_input(std::string_view description);
// imgsync.toml in `directory` if it exists, else defaults (config_file empty).
Result<AppConfig> load_app_config_from_directory(const std::filesystem::path& directory);

}  // namespace imgsync::config
