// search, index rebuild, index publish. Output: results on stdout in the chosen --format, notes
// and failures on stderr, progress on a terminal only.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "app/item_index_factory.h"
#include "app/search_arguments.h"
#include "app/search_service.h"
#include "app/shared_catalog.h"
#include "catalog/search_index.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/search_flags.h"
#include "cli/sync_flags.h"
#include "cli/vocabulary.h"
#include "media/object_keys.h"
#include "util/byte_size.h"

namespace imgsync::cli {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string format_local(std::int64_t milliseconds) {
  using namespace std::chrono;
  const sys_seconds time{duration_cast<seconds>(std::chrono::milliseconds(milliseconds))};
  const sys_days date = floor<days>(time);
  const year_month_day ymd{date};
  const hh_mm_ss clock{time - date};
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", int(ymd.year()), unsigned(ymd.month()),
                     unsigned(ymd.day()), clock.hours().count(), clock.minutes().count(),
                     clock.seconds().count());
}

std::string format_offset(const std::optional<int>& minutes) {
  if (!minutes) return "?";
  const int magnitude = std::abs(*minutes);
  return fmt::format("{}{:02}:{:02}", *minutes < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
}

std::string format_distance(double metres) {
  return metres < 1000 ? fmt::format("{:.0f} m", metres) : fmt::format("{:.2f} km", metres / 1000);
}

void print_table(const std::vector<catalog::SearchHit>& hits, bool with_distance) {
  fmt::print("{:<19} {:<6} {:>10} {:>11} {:<28} {:<12} {}{}\n", "LOCAL TIME", "UTC", "LAT", "LON",
             "CAMERA", "KINDS", "ID", with_distance ? "  DISTANCE" : "");
  for (const auto& hit : hits) {
    std::string camera = hit.make.empty() ? hit.model
                         : hit.model.starts_with(hit.make) || hit.model.empty()
                             ? (hit.model.empty() ? hit.make : hit.model)
                             : hit.make + " " + hit.model;
    if (camera.size() > 28) camera = camera.substr(0, 27) + "~";
    std::string kinds = hit.raw_key.empty() ? "" : "raw";
    if (!hit.enhanced_key.empty()) kinds += kinds.empty() ? "enhanced" : "+enhanced";
    fmt::print(
        "{:<19} {:<6} {:>10} {:>11} {:<28} {:<12} {}{}\n", format_local(hit.local_ms),
        format_offset(hit.utc_offset_minutes),
        hit.latitude ? fmt::format("{:.5f}", *hit.latitude) : "-",
        hit.longitude ? fmt::format("{:.5f}", *hit.longitude) : "-", camera, kinds, hit.id,
        with_distance && hit.distance_metres ? "  " + format_distance(*hit.distance_metres) : "");
  }
  fmt::print("{} Item{}\n", hits.size(), hits.size() == 1 ? "" : "s");
}

struct SearchOptions {
  SyncFlags flags;
  app::SearchArguments arguments;
  std::string format;
  std::string expires = "1h";
  std::string download;
  int jobs = 16;
};

int run_search(const SearchOptions& options) {
  const std::string format = !options.format.empty() ? options.format
                             : options.flags.json    ? "ndjson"
                                                     : "table";
  auto query = app::make_search_query(options.arguments);
  if (!query.ok()) return fail("search", query.error());
  std::chrono::seconds expires{0};
  if (format == "urls") {
    auto parsed = app::parse_expiry(options.expires);
    if (!parsed.ok()) return fail("search", parsed.error());
    expires = *parsed;
  }
  const bool needs_bucket = format == "urls" || !options.download.empty();
  auto flagged = load_flagged_config(options.flags);
  if (flagged.ok() && !flagged->destination) {
    return fail_setup("search",
                      make_error(ErrorCategory::kInvalidInput,
                                 "which archive? pass --to s3://BUCKET[/PREFIX] (as for sync), or "
                                 "run where an imgsync.toml sets destination"));
  }
  auto destination = resolve_destination(options.flags, needs_bucket);
  if (!destination.ok()) return fail_setup("search", destination.error());
  const auto& config = destination->setup.config;
  auto index = app::open_item_index(config, destination->location, app::IndexUse::kQueries);
  if (!index.ok()) return fail("search", index.error());
  auto count = (*index)->count();
  if (count.ok() && *count == 0 && !app::uses_shared_catalog(config)) {
    fmt::print(stderr,
               "imgsync search: the index {} is empty: 'imgsync sync' fills it as it uploads, "
               "'imgsync index rebuild' from the bucket's Items\n",
               (config.state_dir / catalog::SearchIndex::kFileName).string());
  } else if (count.ok() && *count == 0) {
    fmt::print(stderr,
               "imgsync search: the catalog {} holds no Items of {}: sync and watch write "
               "them, 'imgsync index migrate --to-catalog' copies a local index\n",
               config::redact_catalog_url(config.catalog.url),
               app::default_collection_id(destination->location));
  }
  auto hits = (*index)->search(*query);
  if (!hits.ok()) return fail("search", hits.error());
  const auto& location = destination->location;

  if (!options.download.empty()) {
    s3::S3Client client(destination->setup.s3);
    auto report = app::download_hits(
        *hits, query->kind, client, location, options.download, options.jobs,
        [&](const std::string& key, const Error& error) {
          if (options.flags.json) {
            fmt::print("{}\n", dump({{"event", "failed"}, {"key", key}, {"error", error.message}}));
          } else {
            fmt::print(stderr, "failed s3://{}/{}: {}\n", location.bucket, key, error.message);
          }
        });
    if (!report.ok()) return fail("search", report.error());
    if (options.flags.json) {
      fmt::print("{}\n", dump({{"event", "summary"},
                               {"matches", hits->size()},
                               {"assets", report->assets},
                               {"items", report->items},
                               {"skipped", report->skipped},
                               {"failed", report->failed},
                               {"bytes", report->bytes},
                               {"directory", options.download}}));
    } else {
      fmt::print(
          "{} matches: downloaded {} assets ({}) and {} Items to {}; {} already there; "
          "{} failed\n",
          hits->size(), report->assets, format_byte_size(report->bytes), report->items,
          options.download, report->skipped, report->failed);
    }
    return report->failed == 0 ? kExitOk : kExitSomeFailed;
  }

  if (format == "table") {
    print_table(*hits, query->near.has_value());
  } else if (format == "json") {
    json collection = {{"type", "FeatureCollection"}, {"features", json::array()}};
    for (const auto& hit : *hits) {
      collection["features"].push_back(json::parse(hit.item_json, nullptr, false));
    }
    collection["numberReturned"] = hits->size();
    fmt::print("{}\n", dump(collection));
  } else if (format == "ndjson") {
    for (const auto& hit : *hits) fmt::print("{}\n", hit.item_json);
  } else if (format == "keys") {
    for (const auto& hit : *hits) {
      for (const auto& key : app::asset_keys(hit, query->kind)) fmt::print("{}\n", key);
    }
  } else if (format == "urls") {
    s3::S3Client client(destination->setup.s3);
    for (const auto& hit : *hits) {
      for (const auto& key : app::asset_keys(hit, query->kind)) {
        auto url = client.presign_get(location.bucket, key, expires);
        if (!url.ok()) return fail("search", url.error());
        fmt::print("{}\n", *url);
      }
    }
  }
  return kExitOk;
}

int run_rebuild(const SyncFlags& flags, int jobs) {
  auto destination = resolve_destination(flags, true);
  if (!destination.ok()) return fail_setup("index rebuild", destination.error());
  auto index = catalog::SearchIndex::open(destination->setup.config.state_dir);
  if (!index.ok()) return fail("index rebuild", index.error());
  s3::S3Client client(destination->setup.s3);
  const auto& location = destination->location;
  const bool show_progress = !flags.json && isatty(STDERR_FILENO) != 0;
  const auto start = Clock::now();
  auto last = Clock::time_point{};
  bool shown = false;
  auto report = app::rebuild_index(
      *index, client, location, jobs, destination->setup.config.state_dir,
      [&](const app::RebuildProgress& progress) {
        const auto now = Clock::now();
        if (!show_progress ||
            (now - last < std::chrono::milliseconds(200) && progress.done < progress.listed)) {
          return;
        }
        last = now;
        const double seconds = std::chrono::duration<double>(now - start).count();
        fmt::print(stderr, "\r{}/{} Items  {:.0f}/s  {} failed   ", progress.done, progress.listed,
                   seconds > 0 ? progress.done / seconds : 0.0, progress.failed);
        shown = true;
      },
      [&](const std::string& key, const Error& error) {
        if (shown) fmt::print(stderr, "\r\033[K");
        if (flags.json) {
          fmt::print("{}\n", dump({{"event", "failed"}, {"key", key}, {"error", error.message}}));
        } else {
          fmt::print(stderr, "failed s3://{}/{}: {}\n", location.bucket, key, error.message);
        }
      });
  if (shown) fmt::print(stderr, "\r\033[K");
  if (!report.ok()) return fail("index rebuild", report.error());
  if (app::uses_shared_catalog(destination->setup.config)) {
    fmt::print(stderr,
               "imgsync index rebuild: rebuilt the local index (the shared catalog {} is left "
               "as it is; 'imgsync index migrate --to-catalog' copies the local index to it)\n",
               config::redact_catalog_url(destination->setup.config.catalog.url));
  }
  const double rate = report->seconds > 0 ? report->indexed / report->seconds : 0;
  if (report->catalog_objects_unreadable > 0) {
    fmt::print(stderr,
               "note: {} object(s) of the shared catalog under catalog/ could not be read; their "
               "Items were fetched one by one instead\n",
               report->catalog_objects_unreadable);
  }
  if (flags.json) {
    fmt::print("{}\n", dump({{"event", "summary"},
                             {"indexed", report->indexed},
                             {"failed", report->failed},
                             {"from_catalog", report->from_catalog},
                             {"seconds", report->seconds},
                             {"items_per_second", rate}}));
  } else {
    fmt::print("indexed {} Items from s3://{}/{} in {:.1f} s ({:.0f} Items/s); {} failed\n",
               report->indexed, location.bucket,
               location.prefix.empty() ? "metadata/" : location.prefix + "/metadata/",
               report->seconds, rate, report->failed);
    if (report->from_catalog > 0) {
      fmt::print(
          "  {} of them read from the shared catalog (each the listed object byte for byte), "
          "{} fetched one by one\n",
          report->from_catalog, report->indexed - report->from_catalog);
    }
  }
  return report->failed == 0 ? kExitOk : kExitSomeFailed;
}

int run_publish(const SyncFlags& flags) {
  auto destination = resolve_destination(flags, true);
  if (!destination.ok()) return fail_setup("index publish", destination.error());
  auto index = app::open_item_index(destination->setup.config, destination->location,
                                    app::IndexUse::kQueries);
  if (!index.ok()) return fail("index publish", index.error());
  s3::S3Client client(destination->setup.s3);
  app::PublishOptions options;
  options.scratch_dir = destination->setup.config.state_dir / "publish";
  auto report = app::publish_catalog(**index, client, destination->location, options);
  if (!report.ok()) return fail("index publish", report.error());
  const auto& bucket = destination->location.bucket;
  if (flags.json) {
    fmt::print("{}\n", dump({{"event", "summary"},
                             {"items", report->items},
                             {"items_linked", report->items_linked},
                             {"catalog", "s3://" + bucket + "/" + report->catalog_key},
                             {"ndjson", "s3://" + bucket + "/" + report->ndjson_key},
                             {"ndjson_bytes", report->ndjson_bytes}}));
  } else {
    fmt::print("published s3://{}/{} ({} Items{}) and s3://{}/{} ({})\n", bucket,
               report->catalog_key, report->items,
               report->items_linked ? ", each linked" : "; too many to link, see items.ndjson",
               bucket, report->ndjson_key, format_byte_size(report->ndjson_bytes));
  }
  return kExitOk;
}

}  // namespace

Result<Destination> resolve_destination(const SyncFlags& flags, bool need_credentials) {
  auto setup = resolve_sync_setup(flags, need_credentials);
  if (!setup.ok()) return setup.take_error();
  auto location = bucket_location(*setup);
  if (!location.ok()) return location.take_error();
  return Destination{std::move(*setup), std::move(*location)};
}

Result<app::BucketLocation> bucket_location(const SyncSetup& setup) {
  auto prefix = media::normalize_prefix(setup.config.destination->key);
  if (!prefix.ok()) return prefix.take_error();
  return app::BucketLocation{setup.config.destination->bucket, *prefix};
}

void add_destination_flags(CLI::App& command, SyncFlags& flags) {
  command.add_option("--config", flags.config_path,
                     "imgsync.toml (default: ./imgsync.toml if present)");
  add_destination_option(command, flags.to, flags.deprecated_destination);
  command.add_option("--state-dir", flags.state_dir, "where the journal and the index live");
  add_catalog_option(command, flags.catalog);
  command.add_flag("--json", flags.json,
                   "machine-readable output (search: one Item per line, as --format ndjson)");
  add_s3_flags(command, flags.s3);
}

void add_search_filter_flags(CLI::App& command, app::SearchArguments& a,
                             const std::string& command_name, bool to_is_a_time) {
  command.add_option("--since", a.since,
                     "captured at or after: YYYY-MM-DD[THH:MM[:SS]] local time, or with Z / "
                     "+HH:MM for UTC");
  command.add_option("--until", a.until,
                     "captured up to (inclusive: --until 2026-05-31 is all of May 31)");
  command.add_flag("--utc", a.utc, "--since/--until without a zone are UTC, not local time");
  command
      .add_option_function<std::string>(
          "--from",
          [&a, command_name](const std::string& value) {
            note_deprecated(command_name, "--from", "--since");
            a.since = value;
          },
          "deprecated spelling of --since")
      ->group("");
  if (to_is_a_time) {
    command
        .add_option_function<std::string>(
            "--to",
            [&a, command_name](const std::string& value) {
              note_deprecated(command_name, "--to as a time", "--until");
              a.until = value;
            },
            "deprecated spelling of --until")
        ->group("");
  }
  command.add_option("--bbox", a.bbox, "W,S,E,N in degrees; W > E crosses the antimeridian");
  command.add_option("--near", a.near, "LAT,LON in degrees, with --radius");
  command.add_option("--radius", a.radius, "great-circle distance from --near: 500m, 5km, 3mi");
  command.add_option("--camera", a.camera, "make or model contains TEXT (case-insensitive)");
  command.add_option("--tag", a.tags, "has this tag (repeatable: all must match)");
  command.add_option("--kind", a.kind, "raw or enhanced: only captures with that asset");
  command.add_flag("--has-gps", a.has_gps, "only Items with a position");
  command.add_flag("--no-gps", a.no_gps, "only Items without a position");
  command.add_option("--sort", a.sort, "time (default), -time (newest first) or distance");
  command.add_option("--limit", a.limit, "at most N results");
}

void add_search_commands(CLI::App& app, int& exit_code) {
  auto search = std::make_shared<SearchOptions>();
  CLI::App* command = app.add_subcommand(
      "search", "find uploaded images by time, place, camera and tags (in the local index)");
  add_destination_flags(*command, search->flags);
  add_search_filter_flags(*command, search->arguments, "search", false);
  command->add_option("--format", search->format, "table (default), json, ndjson, urls or keys")
      ->check(CLI::IsMember({"table", "json", "ndjson", "urls", "keys"}));
  command->add_option("--expires", search->expires,
                      "lifetime of --format urls links: 90s, 30m, 1h (default), 7d");
  command->add_option("--download", search->download,
                      "download the matching assets and their Items into DIR");
  command->add_option("-j,--jobs", search->jobs, "concurrent downloads (default 16)")
      ->check(CLI::Range(1, 256));
  command->callback([search, &exit_code] {
    // `--to 2026-05-31` was the end of the time range before --to named the destination.
    if (looks_like_time(search->flags.to)) {
      note_deprecated("search", "--to as a time",
                      "--until (and --to s3://... for the destination)");
      if (search->arguments.until.empty()) search->arguments.until = search->flags.to;
      search->flags.to.clear();
    }
    exit_code = run_search(*search);
  });

  CLI::App* index =
      app.add_subcommand("index", "the search index: rebuild, publish, pull, migrate");
  index->require_subcommand(1);
  auto rebuild = std::make_shared<std::pair<SyncFlags, int>>();
  rebuild->second = 16;
  CLI::App* rebuild_command = index->add_subcommand(
      "rebuild", "rebuild the index from the bucket's metadata/ Items alone (any machine)");
  add_sync_flags(*rebuild_command, rebuild->first, false);
  rebuild_command->add_option("-j,--jobs", rebuild->second, "concurrent requests (default 16)")
      ->check(CLI::Range(1, 256));
  rebuild_command->callback(
      [rebuild, &exit_code] { exit_code = run_rebuild(rebuild->first, rebuild->second); });

  auto publish = std::make_shared<SyncFlags>();
  CLI::App* publish_command = index->add_subcommand(
      "publish", "write catalog/catalog.json (STAC) and catalog/items.ndjson to the bucket");
  add_sync_flags(*publish_command, *publish, false);
  publish_command->callback([publish, &exit_code] { exit_code = run_publish(*publish); });
  add_index_pull_command(*index, exit_code);
  add_index_migrate_command(*index, exit_code);
}

}  // namespace imgsync::cli
