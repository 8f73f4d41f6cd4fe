// `imgsync watch` (the daemon) and `imgsync enqueue` (hand files over explicitly).
#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "app/source_scanner.h"
#include "app/watch_service.h"
#include "catalog/journal_store.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/signals.h"
#include "cli/sync_flags.h"
#include "cli/sync_output.h"
#include "notify/event_log.h"
#include "notify/notifier.h"

namespace imgsync::cli {
namespace {

struct WatchCommandOptions {
  SyncFlags flags;
  bool once = false;
  double settle = -1;  // < 0: from imgsync.toml ([watch] settle) or 2 s
};

int setup_error(const char* command, const Error& error) {
  fmt::print(stderr, "imgsync {}: {}\n", command, error.message);
  return error.category == ErrorCategory::kAuth ? kExitDestination : kExitUsage;
}

int run_watch(const WatchCommandOptions& options) {
  SignalState& signals = install_signal_handlers();
  for (;;) {
    auto setup = resolve_sync_setup(options.flags);
    if (!setup.ok()) return setup_error("watch", setup.error());
    if (options.settle >= 0) setup->config.settle_seconds = options.settle;
    auto journal = catalog::JournalStore::open(setup->config.state_dir);
    if (!journal.ok()) {
      setup_error("watch", journal.error());
      return exit_code_for_journal(journal.error());
    }
    s3::S3Client client(setup->s3);
    log_retries(client);
    app::WatchService service(setup->config, *journal, client);
    const bool json = options.flags.json;
    notify::set_default_stderr_level(notify::LogLevel::kInfo);  // a daemon says what it does
    // Failures go out batched: at most one message a minute with the count and the first
    // errors, plus one when the queue pauses and one when it resumes.
    struct Batch {
      notify::RunSummary summary;
      std::chrono::steady_clock::time_point last_sent{};
    };
    auto batch = std::make_shared<Batch>();
    const std::string destination = setup->config.destination->to_string();
    const auto& notifiers = setup->config.notifiers;
    auto flush = [batch, destination, &notifiers](bool force) {
      auto& summary = batch->summary;
      if (summary.failed == 0 && summary.uploaded == 0) return;
      const auto now = std::chrono::steady_clock::now();
      if (!force && now - batch->last_sent < std::chrono::minutes(1)) return;
      summary.event = "watch_report";
      summary.destination = destination;
      if (summary.failed > 0 || force) notify::notify_run(notifiers, summary);
      batch->summary = {};
      batch->last_sent = now;
    };
    service.on_event = [json, batch, flush](const app::SyncEvent& event) {
      log_event(event);
      if (json) print_event_json(event);
      if (event.kind == app::SyncEvent::Kind::kUploaded) ++batch->summary.uploaded;
      if (event.kind == app::SyncEvent::Kind::kFailed ||
          event.kind == app::SyncEvent::Kind::kItemFailed) {
        ++batch->summary.failed;
        if (batch->summary.first_errors.size() < 5) {
          batch->summary.first_errors.push_back((event.path.empty() ? event.key : event.path) +
                                                ": " + event.error);
        }
        flush(false);
      }
    };
    service.on_pause = [destination, &notifiers](bool paused, const std::string& why) {
      notify::RunSummary summary;
      summary.event = paused ? "destination_unusable" : "resumed";
      summary.destination = destination;
      if (!why.empty()) summary.first_errors.push_back(why);
      notify::notify_run(notifiers, summary);
    };
    service.on_notice = [](const std::string& text) {
      notify::log({notify::LogLevel::kWarn, "watch", "", "", 0, std::nullopt, 0, "", "", "", text});
    };
    app::WatchOptions watch_options;
    watch_options.once = options.once;
    watch_options.stop = &signals.stop;
    watch_options.reload = &signals.reload;
    watch_options.wake_fd = signals.wake_fd;
    auto exit = service.run(watch_options);
    if (batch->summary.failed > 0) flush(true);
    if (!exit.ok()) return setup_error("watch", exit.error());
    const auto& totals = service.totals();
    if (*exit == app::WatchExit::kReload) {
      signals.reload.store(false);
      fmt::print(stderr, "imgsync watch: reloading the configuration\n");
      continue;
    }
    if (json) {
      fmt::print("{}\n", nlohmann::json{{"event", "summary"},
                                        {"uploaded", totals.uploaded},
                                        {"failed", totals.failed},
                                        {"items_uploaded", totals.items_uploaded},
                                        {"stopped", *exit == app::WatchExit::kStopped}}
                             .dump());
    } else {
      fmt::print(stderr, "imgsync watch: {} ({} uploaded, {} failed)\n",
                 *exit == app::WatchExit::kStopped ? "stopped" : "nothing left to do",
                 totals.uploaded, totals.failed);
    }
    return totals.failed > 0 ? kExitSomeFailed : kExitOk;
  }
}

struct EnqueueOptions {
  SyncFlags flags;
  std::vector<std::string> files;
  std::string kind = "enhanced";
};

int run_enqueue(const EnqueueOptions& options) {
  auto setup = resolve_sync_setup(options.flags, false);
  if (!setup.ok()) return setup_error("enqueue", setup.error());
  auto journal = catalog::JournalStore::open(setup->config.state_dir);
  if (!journal.ok()) return setup_error("enqueue", journal.error());
  int queued = 0;
  for (const auto& name : options.files) {
    const auto path = std::filesystem::absolute(name).lexically_normal();
    auto stat = app::stat_file(path);
    if (!stat.ok()) {
      fmt::print(stderr, "imgsync enqueue: {}\n", stat.error().message);
      return kExitUsage;
    }
    auto classified = app::classify_path(path, setup->config.sources);
    auto known = journal->find(path.string());
    if (!known.ok()) return setup_error("enqueue", known.error());
    catalog::FileRecord record = known->value_or(catalog::FileRecord{});
    record.path = path.string();
    record.source = classified ? classified->source.string() : path.parent_path().string();
    record.kind = classified ? config::to_string(classified->kind) : options.kind;
    record.stat = *stat;
    record.state = catalog::FileState::kPending;
    // A concurrent daemon writes the same journal; SQLite's locking serialises the two.
    if (Status ok = journal->upsert(record); !ok.ok()) return setup_error("enqueue", ok.error());
    ++queued;
  }
  // Wake a running daemon: it watches the state directory for this file being closed.
  std::ofstream(setup->config.state_dir / app::kEnqueueNotice) << queued << "\n";
  if (options.flags.json) {
    fmt::print("{}\n", nlohmann::json{{"event", "queued"}, {"files", queued}}.dump());
  } else {
    fmt::print(
        "queued {} files; a running 'imgsync watch' takes them now, else the next 'imgsync "
        "sync' or 'watch' does\n",
        queued);
  }
  return kExitOk;
}

}  // namespace

void add_watch_commands(CLI::App& app, int& exit_code) {
  auto watch = std::make_shared<WatchCommandOptions>();
  CLI::App* watch_command = app.add_subcommand(
      "watch", "daemon: upload each image as soon as it is written and has settled");
  add_sync_flags(*watch_command, watch->flags, true);
  watch_command->add_flag("--once", watch->once,
                          "exit when nothing is left to upload (for tests and cron)");
  watch_command
      ->add_option("--settle", watch->settle,
                   "seconds a closed file must stay unchanged before upload (default 2, or "
                   "[watch] settle)")
      ->check(CLI::Range(0.0, 3600.0));
  watch_command->callback([watch, &exit_code] { exit_code = run_watch(*watch); });

  auto enqueue = std::make_shared<EnqueueOptions>();
  CLI::App* enqueue_command = app.add_subcommand(
      "enqueue", "hand files to the uploader (a running watch daemon, or the next sync)");
  enqueue_command->add_option("files", enqueue->files, "files ready for upload")->required();
  enqueue_command->add_option("--kind", enqueue->kind, "for files outside every source folder")
      ->check(CLI::IsMember({"raw", "enhanced"}));
  add_sync_flags(*enqueue_command, enqueue->flags, false);
  enqueue_command->callback([enqueue, &exit_code] { exit_code = run_enqueue(*enqueue); });
}

}  // namespace imgsync::cli
