// imgsync index pull (the local index from the bucket's shared catalog) and imgsync catalog
// compact (a snapshot of it, then the segments it holds retired): app/shared_catalog.h.
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "app/item_index_factory.h"
#include "app/search_arguments.h"
#include "app/shared_catalog.h"
#include "catalog/search_index.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/search_flags.h"
#include "util/byte_size.h"

namespace imgsync::cli {
namespace {

int run_pull(const SyncFlags& flags) {
  auto destination = resolve_destination(flags, true);
  if (!destination.ok()) return fail_setup("index pull", destination.error());
  const auto& state_dir = destination->setup.config.state_dir;
  auto index = app::open_item_index(destination->setup.config, destination->location,
                                    app::IndexUse::kWrites);
  if (!index.ok()) return fail("index pull", index.error());
  s3::S3Client client(destination->setup.s3);
  const auto start = std::chrono::steady_clock::now();
  auto report = app::pull_catalog(**index, client, destination->location, state_dir / "pull");
  if (!report.ok()) return fail("index pull", report.error());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::int64_t items = report->added + report->replaced + report->kept;
  if (flags.json) {
    fmt::print("{}\n", nlohmann::json{{"event", "summary"},
                                      {"snapshot", report->snapshot},
                                      {"segments", report->segments},
                                      {"added", report->added},
                                      {"replaced", report->replaced},
                                      {"kept", report->kept},
                                      {"unreadable", report->unreadable},
                                      {"bytes", report->bytes},
                                      {"seconds", seconds}}
                           .dump());
  } else {
    fmt::print(
        "pulled {}{} segments ({}): {} Items added, {} replaced, {} already current{} in "
        "{:.1f} s ({:.0f} Items/s)\n",
        report->snapshot ? "a snapshot and " : "", report->segments,
        format_byte_size(report->bytes), report->added, report->replaced, report->kept,
        report->unreadable > 0 ? fmt::format(", {} unreadable lines skipped", report->unreadable)
                               : "",
        seconds, seconds > 0 ? items / seconds : 0.0);
  }
  return report->unreadable == 0 ? kExitOk : kExitSomeFailed;
}

int run_compact(const SyncFlags& flags, const std::string& lease) {
  auto ttl = app::parse_duration("--lease", lease);
  if (!ttl.ok()) return fail("catalog compact", ttl.error());
  auto destination = resolve_destination(flags, true);
  if (!destination.ok()) return fail_setup("catalog compact", destination.error());
  const auto& state_dir = destination->setup.config.state_dir;
  auto index = catalog::SearchIndex::open(state_dir, /*for_queries=*/false);
  if (!index.ok()) return fail("catalog compact", index.error());
  s3::S3Client client(destination->setup.s3);
  auto report =
      app::compact_catalog(*index, client, destination->location, state_dir / "pull", *ttl);
  if (!report.ok()) return fail("catalog compact", report.error());
  if (flags.json) {
    fmt::print("{}\n", nlohmann::json{{"event", "summary"},
                                      {"items", report->items},
                                      {"segments_retired", report->segments_retired},
                                      {"snapshot", report->snapshot_key}}
                           .dump());
  } else {
    fmt::print("wrote s3://{}/{} ({} Items); retired {} segments\n", destination->location.bucket,
               report->snapshot_key, report->items, report->segments_retired);
  }
  return kExitOk;
}

}  // namespace

void add_index_pull_command(CLI::App& index, int& exit_code) {
  auto flags = std::make_shared<SyncFlags>();
  CLI::App* command = index.add_subcommand(
      "pull", "bring the index up to date from the bucket's shared catalog (only what is new)");
  add_sync_flags(*command, *flags, false);
  command->callback([flags, &exit_code] { exit_code = run_pull(*flags); });
}

void add_catalog_commands(CLI::App& app, int& exit_code) {
  CLI::App* catalog = app.add_subcommand("catalog", "the bucket's shared catalog: compact");
  catalog->require_subcommand(1);
  auto options = std::make_shared<std::pair<SyncFlags, std::string>>();
  options->second = "30m";
  CLI::App* compact = catalog->add_subcommand(
      "compact", "write a snapshot of the shared catalog, then retire the segments it holds");
  add_sync_flags(*compact, options->first, false);
  compact->add_option("--lease", options->second,
                      "how long the compaction lease lasts if this machine dies (default 30m)");
  compact->callback(
      [options, &exit_code] { exit_code = run_compact(options->first, options->second); });
}

}  // namespace imgsync::cli
