// imgsync index migrate --to-catalog postgresql://...: the local SQLite index, every Item,
// copied into a shared PostgreSQL catalog (app/catalog_forwarder.h copy_index). Merged by each
// Item's `updated`, so running it twice, or into a catalog teammates already fill, is harmless.
// Afterwards this machine forwards only what changes later.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/bulk_load.h"
#include "app/catalog_forwarder.h"
#include "app/item_index_factory.h"
#include "app/shared_catalog.h"
#include "catalog/search_index.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/search_flags.h"

namespace imgsync::cli {
namespace {

struct MigrateOptions {
  SyncFlags flags;
  std::string to_catalog;
};

// The highest local change sequence: the forwarder's position once everything is copied.
Result<std::int64_t> last_sequence(catalog::ItemIndex& local) {
  std::int64_t last = 0;
  Status walked = local.for_each_change(0, catalog::ChangeScope::kAll,
                                        [&](const catalog::LocalChange& change) -> Status {
                                          last = std::max(last, change.sequence);
                                          return {};
                                        });
  if (!walked.ok()) return walked.error();
  return last;
}

int run_migrate(const MigrateOptions& options) {
  SyncFlags flags = options.flags;
  flags.catalog = options.to_catalog;
  auto destination = resolve_destination(flags, false);
  if (!destination.ok()) return fail_setup("index migrate", destination.error());
  const auto& config = destination->setup.config;
  auto local = catalog::SearchIndex::open(config.state_dir, /*for_queries=*/false);
  if (!local.ok()) return fail("index migrate", local.error());
  auto shared = app::open_shared_catalog(config.catalog, destination->location);
  if (!shared.ok()) return fail("index migrate", shared.error());
  auto last = last_sequence(*local);  // before copying: later changes are forwarded later
  if (!last.ok()) return fail("index migrate", last.error());
  auto total = local->count();
  if (!total.ok()) return fail("index migrate", total.error());
  const bool show_progress = !flags.json && isatty(STDERR_FILENO) != 0;
  const auto start = std::chrono::steady_clock::now();
  app::BulkLoad bulk(**shared);  // many Items into a catalog holding few: its indexes built after
  if (Status ok = bulk.consider(*total); !ok.ok()) return fail("index migrate", ok.error());
  auto report = app::copy_index(*local, **shared, [&](const app::ForwardReport& progress) {
    if (show_progress) {
      fmt::print(stderr, "\r{}/{} Items", progress.written + progress.kept, *total);
    }
  });
  if (show_progress) fmt::print(stderr, "\r\033[K");
  if (!report.ok()) return fail("index migrate", report.error());
  if (Status built = bulk.finish(); !built.ok()) return fail("index migrate", built.error());
  (void)(*shared)->analyze();  // statistics and visibility map now, not when autovacuum gets to it
  if (Status kept =
          local->set_setting(app::forwarded_position_name(config.catalog, destination->location),
                             std::to_string(*last));
      !kept.ok()) {
    return fail("index migrate", kept.error());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::int64_t items = report->written + report->kept;
  const std::string catalog = config::redact_catalog_url(config.catalog.url);
  if (flags.json) {
    fmt::print("{}\n",
               nlohmann::json{{"event", "summary"},
                              {"catalog", catalog},
                              {"collection", app::default_collection_id(destination->location)},
                              {"written", report->written},
                              {"kept", report->kept},
                              {"seconds", seconds}}
                   .dump());
  } else {
    fmt::print(
        "copied {} Items to {} (collection {}): {} written, {} already there as new or "
        "newer, in {:.1f} s ({:.0f} Items/s)\n",
        items, catalog, app::default_collection_id(destination->location), report->written,
        report->kept, seconds, seconds > 0 ? items / seconds : 0.0);
  }
  return kExitOk;
}

}  // namespace

void add_index_migrate_command(CLI::App& index, int& exit_code) {
  auto options = std::make_shared<MigrateOptions>();
  CLI::App* command = index.add_subcommand(
      "migrate", "copy the local index into a shared PostgreSQL catalog (--to-catalog URL)");
  add_destination_flags(*command, options->flags);
  command
      ->add_option("--to-catalog", options->to_catalog,
                   "postgresql://USER@HOST:PORT/DB (password in $IMGSYNC_CATALOG_PASSWORD, "
                   "PGPASSWORD or ~/.pgpass)")
      ->required();
  command->callback([options, &exit_code] { exit_code = run_migrate(*options); });
}

}  // namespace imgsync::cli
