// `imgsync init` (make the bucket ready) and `imgsync share` (presigned links).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "app/bucket_setup.h"
#include "app/search_arguments.h"
#include "catalog/journal_store.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/sync_flags.h"
#include "config/config_example.h"
#include "media/object_keys.h"
#include "util/error_predicates.h"

namespace imgsync::cli {
namespace {

struct InitOptions {
  SyncFlags flags;
  int abort_days = 7;
  bool versioning = false;
  std::vector<std::string> public_prefixes;
  std::vector<std::string> cors_origins{"*"};
  bool dry_run = false;
  bool print_config = false;
};

int run_init(const InitOptions& options) {
  if (options.print_config) {
    fmt::print("{}", config::annotated_example_config());
    return kExitOk;
  }
  auto setup = resolve_sync_setup(options.flags);
  if (!setup.ok()) return fail_setup("init", setup.error());
  s3::S3Client client(setup->s3);
  app::BucketSetupOptions bucket;
  bucket.destination = *setup->config.destination;
  bucket.abort_incomplete_days = options.abort_days;
  bucket.versioning = options.versioning;
  bucket.public_prefixes = options.public_prefixes;
  bucket.cors_origins = options.cors_origins;
  bucket.dry_run = options.dry_run;
  auto steps = app::set_up_bucket(client, bucket);
  if (!steps.ok()) return fail("init", steps.error());
  for (const auto& step : *steps) {
    if (options.flags.json) {
      fmt::print("{}\n", nlohmann::json{{"step", step.name},
                                        {"detail", step.detail},
                                        {"changed", step.changed},
                                        {"warning", step.warning},
                                        {"dry_run", options.dry_run}}
                             .dump());
    } else {
      const char* state = options.dry_run ? "would set" : step.changed ? "set" : "unchanged";
      fmt::print("{:<10} {:<20} {}\n", state, step.name, step.detail);
      if (!step.warning.empty()) fmt::print(stderr, "imgsync init: warning: {}\n", step.warning);
    }
  }
  return kExitOk;
}

struct ShareOptions {
  SyncFlags flags;
  std::vector<std::string> targets;
  std::string expires = "24h";
};

// Targets given as s3://bucket/key need no destination; keys and Item ids are read in it.
bool needs_destination(const std::vector<std::string>& targets) {
  return std::any_of(targets.begin(), targets.end(),
                     [](const std::string& target) { return !target.starts_with("s3://"); });
}

// The objects to link: (bucket, key) for each target, an Item id standing for its assets and
// the Item. A bare key is relative to the destination's prefix, like every key imgsync prints.
Result<std::vector<std::pair<std::string, std::string>>> share_objects(const ShareOptions& options,
                                                                       const SyncSetup& setup) {
  std::optional<catalog::JournalStore> journal;
  std::vector<std::pair<std::string, std::string>> objects;
  for (const auto& target : options.targets) {
    if (target.starts_with("s3://")) {
      auto uri = config::parse_s3_uri(target);
      if (!uri.ok()) return uri.take_error();
      objects.emplace_back(uri->bucket, uri->key);
      continue;
    }
    const auto& destination = *setup.config.destination;
    auto prefix = media::normalize_prefix(destination.key);
    if (!prefix.ok()) return prefix.take_error();
    if (target.find('/') != std::string::npos) {
      objects.emplace_back(destination.bucket, prefix->empty() ? target : *prefix + "/" + target);
      continue;
    }
    if (!journal) {
      auto opened = catalog::JournalStore::open(setup.config.state_dir, journal_destination(setup));
      if (!opened.ok()) return opened.take_error();
      journal.emplace(std::move(*opened));
    }
    auto capture = journal->capture_by_name(target);
    if (!capture.ok()) return capture.take_error();
    if (!*capture) {
      return make_error(ErrorCategory::kInvalidInput,
                        fmt::format("\"{}\" is neither a key nor an Item id this journal knows; "
                                    "give the object key, or find it with 'imgsync search "
                                    "--format urls'",
                                    target));
    }
    auto files = journal->files_of_capture(target);
    if (!files.ok()) return files.take_error();
    for (const auto& file : *files) {
      if (file.state == catalog::FileState::kUploaded) {
        objects.emplace_back(destination.bucket, file.object_key);
      }
    }
    objects.emplace_back(destination.bucket, (*capture)->item_key);
  }
  return objects;
}

int run_share(const ShareOptions& options) {
  auto expiry = app::parse_expiry(options.expires);
  if (!expiry.ok()) return fail("share", expiry.error());
  SyncFlags flags = options.flags;
  if (!needs_destination(options.targets) && flags.to.empty() &&
      flags.deprecated_destination.empty()) {
    flags.to = options.targets.front();  // only for the S3 settings; every target names its bucket
  }
  auto setup = resolve_sync_setup(flags);
  if (!setup.ok()) return fail_setup("share", setup.error());
  const auto lifetime = link_lifetime(*expiry, setup->s3.credentials, "share");
  s3::S3Client client(setup->s3);
  auto objects = share_objects(options, *setup);
  if (!objects.ok()) return fail("share", objects.error());
  for (const auto& [bucket, key] : *objects) {
    // A link to nothing is worse than an error: check first.
    if (auto head = client.head_object(bucket, key); !head.ok()) {
      const Error& error = head.error();
      return fail("share",
                  is_not_found(error)
                      ? make_error(ErrorCategory::kInvalidInput,
                                   fmt::format("s3://{}/{} does not exist: no link made (keys "
                                               "are relative to the destination's prefix; "
                                               "'imgsync ls' lists them)",
                                               bucket, key))
                      : error);
    }
    auto url = client.presign_get(bucket, key, lifetime);
    if (!url.ok()) return fail("share", url.error());
    if (options.flags.json) {
      fmt::print(
          "{}\n",
          nlohmann::json{{"key", key}, {"url", *url}, {"expires_in_seconds", lifetime.count()}}
              .dump());
    } else {
      fmt::print("{}\n", *url);
    }
  }
  return kExitOk;
}

}  // namespace

void add_bucket_commands(CLI::App& app, int& exit_code) {
  auto init = std::make_shared<InitOptions>();
  CLI::App* init_command = app.add_subcommand(
      "init", "create and configure the bucket: layout README, access, lifecycle, CORS");
  add_sync_flags(*init_command, init->flags, false);
  init_command
      ->add_option("--abort-incomplete-days", init->abort_days,
                   "abort unfinished multipart uploads after N days (default 7)")
      ->check(CLI::Range(1, 3650));
  init_command->add_flag("--versioning", init->versioning, "turn on bucket versioning");
  init_command->add_option("--public-prefix", init->public_prefixes,
                           "allow anonymous GET on DESTINATION/PREFIX* only (repeatable), e.g. "
                           "gallery/ and thumbnails/ for a public gallery");
  init_command->add_option("--cors-origin", init->cors_origins,
                           "origins the gallery may be read from (default *)");
  init_command->add_flag("-n,--dry-run", init->dry_run, "print the configuration; change nothing");
  init_command->add_flag("--print-config", init->print_config,
                         "print an annotated imgsync.toml with every key (docs/configuration.md) "
                         "and exit; touches no bucket");
  init_command->callback([init, &exit_code] { exit_code = run_init(*init); });

  auto share = std::make_shared<ShareOptions>();
  CLI::App* share_command = app.add_subcommand(
      "share", "print presigned links for Item ids (their assets and Item) or object keys");
  share_command
      ->add_option(
          "targets", share->targets,
          "Item id, key under the destination's prefix, or s3://bucket/key (needs no --to)")
      ->required();
  share_command->add_option("--expires", share->expires, "link lifetime, e.g. 90m, 24h, 7d (max)");
  add_sync_flags(*share_command, share->flags, false);
  share_command->callback([share, &exit_code] { exit_code = run_share(*share); });
}

}  // namespace imgsync::cli
