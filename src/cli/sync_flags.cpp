#include "cli/sync_flags.h"

#include <fmt/format.h>

#include "app/metadata_reader.h"
#include "catalog/journal_store.h"
#include "cli/vocabulary.h"
#include "config/environment.h"
#include "util/byte_size.h"
#include "util/error_predicates.h"
#include "util/file_paths.h"

namespace imgsync::cli {
namespace {

// Without imgsync.toml the journal lives in the XDG state directory, one per destination, so
// that runs from any working directory share it.
std::filesystem::path default_state_dir(const config::S3Uri& destination) {
  const config::Environment env = config::Environment::from_process();
  std::filesystem::path base =
      env.get_non_empty("XDG_STATE_HOME").value_or((env.home / ".local" / "state").string());
  std::string prefix;
  for (char c : destination.key) {
    prefix += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
  }
  while (!prefix.empty() && prefix.back() == '_') prefix.pop_back();
  return base / "imgsync" /
         (prefix.empty() ? destination.bucket : destination.bucket + "_" + prefix);
}

Status size_flag(const std::string& text, const char* flag, std::uint64_t& target) {
  if (text.empty()) return {};
  auto size = parse_byte_size(text);
  if (!size.ok()) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("{} {}: {}", flag, text, size.error().message));
  }
  target = *size;
  return {};
}

}  // namespace

std::string journal_destination(const SyncSetup& setup) {
  if (!setup.config.destination) return {};
  return catalog::destination_id(setup.s3.endpoint_host + setup.s3.endpoint_base_path,
                                 setup.config.destination->bucket, setup.config.destination->key);
}

std::unique_ptr<media::MetadataWorkerPool> start_metadata_readers(const char* command,
                                                                  const config::AppConfig& config) {
  auto pool = app::start_metadata_pool(config.upload.metadata_jobs);
  if (pool.ok()) return std::move(*pool);
  fmt::print(stderr, "imgsync {}: {}; the metadata is read in this process instead\n", command,
             pool.error().message);
  return nullptr;
}

void add_catalog_option(CLI::App& command, std::string& url) {
  command.add_option("--catalog", url,
                     "a shared PostgreSQL + PostGIS catalog, postgresql://USER@HOST:PORT/DB "
                     "(password in $IMGSYNC_CATALOG_PASSWORD, PGPASSWORD or ~/.pgpass); "
                     "overrides [catalog] url");
}

void add_sync_flags(CLI::App& command, SyncFlags& flags, bool with_sources) {
  command.add_option("--config", flags.config_path,
                     "imgsync.toml (default: ./imgsync.toml if present)");
  add_destination_option(command, flags.to, flags.deprecated_destination);
  command.add_option("--state-dir", flags.state_dir,
                     "where the journal lives (default: .imgsync next to imgsync.toml, else "
                     "$XDG_STATE_HOME/imgsync/BUCKET_PREFIX)");
  add_catalog_option(command, flags.catalog);
  command.add_flag("--json", flags.json, "machine-readable output, one JSON object per line");
  if (with_sources) {
    command.add_option(
        "sources", flags.sources,
        "folders of processed images (kind 'enhanced'); replaces the [[source]] list");
    command.add_option("--raw", flags.raw_sources, "a folder of original captures (kind 'raw')");
    command.add_option("--project", flags.project, "project name for {project}");
    command.add_option("--name-template", flags.name_template,
                       "e.g. \"{project}_{slug}_{date:%Y%m%d}\"");
    command.add_option("-j,--jobs", flags.jobs, "concurrent requests (default 16)")
        ->check(CLI::Range(1, 256));
    command.add_option("--metadata-jobs", flags.metadata_jobs,
                       fmt::format("worker processes reading the files' metadata, 0..{} "
                                   "(default 0: one per core; 1: read in this process)",
                                   config::kMaxMetadataJobs));
    command.add_option("--part-size", flags.part_size, "multipart part size, e.g. 16MiB");
    command.add_option("--multipart-threshold", flags.multipart_threshold,
                       "files from this size up go in parts (default 64MiB)");
    command.add_option("--storage-class", flags.storage_class, "e.g. STANDARD_IA");
    command.add_option("--sse", flags.sse, "server-side encryption: AES256 or aws:kms")
        ->check(CLI::IsMember({"AES256", "aws:kms"}));
    command.add_option("--sse-kms-key-id", flags.sse_kms_key_id, "KMS key for --sse aws:kms");
    command.add_flag("--no-thumbnails", flags.no_thumbnails,
                     "make no thumbnails (overrides [thumbnails] enabled)");
    command
        .add_option("--thumbnail-size", flags.thumbnail_size,
                    "long edge of thumbnails in pixels (default 512)")
        ->check(CLI::Range(16, 4096));
  }
  add_s3_flags(command, flags.s3);
}

Result<config::AppConfig> load_flagged_config(const SyncFlags& flags) {
  auto here = working_directory();
  if (!here.ok()) return here.take_error();
  auto loaded = flags.config_path.empty() ? config::load_app_config_from_directory(*here)
                                          : config::load_app_config(flags.config_path);
  if (!loaded.ok()) return loaded.take_error();
  if (const std::string& to = flags.to.empty() ? flags.deprecated_destination : flags.to;
      !to.empty()) {
    auto destination = config::parse_s3_uri(to);
    if (!destination.ok()) return destination.take_error();
    loaded->destination = *destination;
  }
  return loaded;
}

Result<SyncSetup> resolve_sync_setup(const SyncFlags& flags, bool need_credentials) {
  SyncSetup setup;
  auto loaded = load_flagged_config(flags);
  if (!loaded.ok()) return loaded.take_error();
  setup.config = std::move(*loaded);
  config::AppConfig& config = setup.config;
  if (!config.destination) {
    return make_error(ErrorCategory::kInvalidInput,
                      "no destination: pass --to s3://BUCKET/PREFIX, or run where an imgsync.toml "
                      "sets destination (or pass --config FILE)");
  }
  if (!flags.sources.empty() || !flags.raw_sources.empty()) {
    config.sources.clear();
    for (const auto& [list, kind] : {std::pair{&flags.sources, config::SourceKind::kEnhanced},
                                     std::pair{&flags.raw_sources, config::SourceKind::kRaw}}) {
      for (const auto& path : *list) {
        config::SourceFolder source;
        auto absolute = absolute_path(path);
        if (!absolute.ok()) return absolute.take_error();
        source.path = std::move(*absolute);
        source.kind = kind;
        config.sources.push_back(std::move(source));
      }
    }
  }
  if (!flags.project.empty()) config.project = flags.project;
  if (!flags.name_template.empty()) config.name_template = flags.name_template;
  if (flags.jobs > 0) config.upload.jobs = flags.jobs;
  if (flags.metadata_jobs) {
    if (*flags.metadata_jobs < 0 || *flags.metadata_jobs > config::kMaxMetadataJobs) {
      return make_error(ErrorCategory::kInvalidInput,
                        fmt::format("--metadata-jobs {}: must be from 0 to {} (0, the default: "
                                    "one worker process per core; 1: read the metadata in the "
                                    "imgsync process itself)",
                                    *flags.metadata_jobs, config::kMaxMetadataJobs));
    }
    config.upload.metadata_jobs = *flags.metadata_jobs;
  }
  std::uint64_t part_size = 0;
  if (Status ok = size_flag(flags.part_size, "--part-size", part_size); !ok.ok()) return ok.error();
  if (part_size > 0) {
    if (part_size < (5ULL << 20) || part_size > (5ULL << 30)) {
      return make_error(ErrorCategory::kInvalidInput,
                        "--part-size must be between 5MiB and 5GiB, S3's limits for a part");
    }
    config.upload.part_size = part_size;
  }
  if (Status ok = size_flag(flags.multipart_threshold, "--multipart-threshold",
                            config.upload.multipart_threshold);
      !ok.ok()) {
    return ok.error();
  }
  if (flags.no_thumbnails) config.thumbnails.enabled = false;
  if (flags.thumbnail_size > 0) config.thumbnails.long_edge = flags.thumbnail_size;
  if (!flags.storage_class.empty()) config.upload.storage_class = flags.storage_class;
  if (!flags.sse.empty()) config.upload.server_side_encryption = flags.sse;
  if (!flags.sse_kms_key_id.empty()) config.upload.sse_kms_key_id = flags.sse_kms_key_id;
  if (!config.upload.sse_kms_key_id.empty() && config.upload.server_side_encryption != "aws:kms") {
    return make_error(ErrorCategory::kInvalidInput, "--sse-kms-key-id needs --sse aws:kms");
  }
  if (!flags.catalog.empty()) {
    if (Status ok = config::check_catalog_url(flags.catalog, "--catalog"); !ok.ok()) {
      return ok.error();
    }
    config.catalog.url = flags.catalog;
  }
  if (!flags.state_dir.empty()) {
    auto state_dir = absolute_path(flags.state_dir);
    if (!state_dir.ok()) return state_dir.take_error();
    config.state_dir = std::move(*state_dir);
  } else if (config.config_file.empty()) {
    config.state_dir = default_state_dir(*config.destination);
  }

  auto s3 = resolve_s3_flags(flags.s3, config.s3);
  if (!s3.ok() && !need_credentials && is_credentials_error(s3.error())) return setup;
  if (!s3.ok()) return s3.take_error();
  setup.s3 = std::move(*s3);
  return setup;
}

}  // namespace imgsync::cli
