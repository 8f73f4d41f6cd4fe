// `imgsync watch` (the daemon) and `imgsync enqueue` (hand files over explicitly).
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "app/catalog_publisher.h"
#include "app/catalog_puller.h"
#include "app/enqueue.h"
#include "app/search_arguments.h"
#include "app/watch_service.h"
#include "catalog/journal_lock.h"
#include "catalog/journal_store.h"
#include "cli/catalog_forwarding.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/search_flags.h"
#include "cli/signals.h"
#include "cli/sync_flags.h"
#include "cli/sync_output.h"
#include "config/listen_address.h"
#include "notify/event_log.h"
#include "notify/metrics_server.h"
#include "notify/notifier.h"
#include "notify/notify_worker.h"
#include "util/file_paths.h"

namespace imgsync::cli {
namespace {

struct WatchCommandOptions {
  SyncFlags flags;
  bool once = false;
  double settle = -1;   // < 0: from imgsync.toml ([watch] settle) or 2 s
  std::string metrics;  // --metrics HOST:PORT; "" = [watch] metrics, else off
  bool share_catalog = false;
  double catalog_interval = 5;  // seconds between catalog segments
  std::string pull_every;       // --pull-every DURATION: index pull on an interval; "" = off
};

int setup_error(const char* command, const Error& error) {
  return fail_setup(command, error);
}

// --metrics beats [watch] metrics; nullptr when neither asks for the endpoint.
Result<std::unique_ptr<notify::MetricsServer>> start_metrics(
    const WatchCommandOptions& options, const config::AppConfig& config,
    const notify::MetricsRegistry& registry) {
  const bool from_flag = !options.metrics.empty();
  const std::string& text = from_flag ? options.metrics : config.metrics_address;
  if (text.empty()) return std::unique_ptr<notify::MetricsServer>();
  const std::string origin = from_flag ? "--metrics" : "[watch] metrics";
  auto address = config::parse_listen_address(text);
  if (!address.ok()) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("{} {}", origin, address.error().message));
  }
  auto server = notify::MetricsServer::start(*address, registry);
  if (!server.ok()) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("{}: {}", origin, server.error().message));
  }
  return server;
}

void log_watch(notify::LogLevel level, const std::string& text) {
  notify::log({.level = level, .event = "watch", .message = text});
}

// --pull-every: other machines' Items into this index on an interval; nullptr when off.
Result<std::unique_ptr<app::CatalogPuller>> start_puller(const WatchCommandOptions& options,
                                                         const SyncSetup& setup) {
  if (options.pull_every.empty()) return std::unique_ptr<app::CatalogPuller>();
  auto every = app::parse_duration("--pull-every", options.pull_every);
  if (!every.ok()) return every.take_error();
  auto location = bucket_location(setup);
  if (!location.ok()) return location.take_error();
  auto puller = std::make_unique<app::CatalogPuller>(setup.config, setup.s3, *location);
  puller->start(
      *every,
      [](const app::PullReport& report) {
        if (report.added + report.replaced == 0) return;
        log_watch(notify::LogLevel::kInfo,
                  fmt::format("pulled the bucket's catalog: {} Items added, {} replaced",
                              report.added, report.replaced));
      },
      [](const Error& error) {
        log_watch(notify::LogLevel::kWarn,
                  "the index was not updated from the bucket's catalog: " + error.message);
      });
  return puller;
}

// --share-catalog: this machine's Items into the bucket's catalog on an interval; nullptr when
// off.
Result<std::unique_ptr<app::CatalogPublisher>> start_publisher(const WatchCommandOptions& options,
                                                               const SyncSetup& setup) {
  if (!options.share_catalog) return std::unique_ptr<app::CatalogPublisher>();
  auto location = bucket_location(setup);
  if (!location.ok()) return location.take_error();
  auto publisher =
      std::make_unique<app::CatalogPublisher>(setup.config.state_dir, setup.s3, *location);
  publisher->start(std::chrono::milliseconds(static_cast<int>(options.catalog_interval * 1000)),
                   [](const Error& error) {
                     log_watch(notify::LogLevel::kWarn,
                               "the bucket's catalog was not updated: " + error.message);
                   });
  return publisher;
}

// The daemon's events to the log, --json, the metrics and the notifiers; a pause (the
// destination unusable) and its end to the notifiers with the files waiting.
void report_events(app::WatchService& service, notify::NotifyWorker& notifier,
                   notify::MetricsRegistry& metrics, catalog::JournalStore& journal,
                   const std::string& destination, bool json) {
  service.on_event = [json, &notifier, &metrics](const app::SyncEvent& event) {
    // Counted before it is announced: whoever reads the event line and then scrapes /metrics
    // finds it there.
    if (event.kind == app::SyncEvent::Kind::kUploaded) {
      notifier.record_upload();
      metrics.record_upload(event.bytes, event.seconds);
    }
    if (event.kind == app::SyncEvent::Kind::kFailed ||
        event.kind == app::SyncEvent::Kind::kItemFailed) {
      metrics.record_failure(event.category ? std::string(to_string(*event.category)) : "");
      notifier.record_failure((event.path.empty() ? event.key : event.path) + ": " + event.error);
    }
    log_event(event);
    if (json) print_event_json(event);
  };
  service.on_pause = [destination, &notifier, &metrics, &journal](bool paused,
                                                                  const std::string& why) {
    metrics.set_paused(paused, why);
    notify::RunSummary summary;
    summary.event = paused ? notify::RunEvent::kDestinationUnusable : notify::RunEvent::kResumed;
    summary.destination = destination;
    // A pause loses nothing: the files wait in the journal, and the message says how many.
    if (auto counts = journal.counts(); paused && counts.ok()) {
      for (const char* state : {"pending", "uploading"}) {
        const auto found = counts->by_state.find(state);
        if (found != counts->by_state.end()) summary.pending += static_cast<int>(found->second);
      }
    }
    if (!why.empty()) summary.first_errors.push_back(why);
    notifier.post(std::move(summary));
  };
  service.on_notice = [](const std::string& text) { log_watch(notify::LogLevel::kWarn, text); };
}

int run_watch(const WatchCommandOptions& options) {
  SignalState& signals = install_signal_handlers();
  // Outlives configuration reloads: counters only ever grow.
  notify::MetricsRegistry metrics;
  std::optional<catalog::JournalLock> lock;  // held across reloads, until the daemon exits
  // The metadata readers, started once before any other thread exists (they fork); a reload
  // keeps them (a changed metadata_jobs takes effect at the next start).
  std::optional<std::unique_ptr<media::MetadataWorkerPool>> metadata_pool;
  for (;;) {
    auto setup = resolve_sync_setup(options.flags);
    if (!setup.ok()) return setup_error("watch", setup.error());
    if (!metadata_pool) metadata_pool = start_metadata_readers("watch", setup->config);
    if (!lock) {
      if (Status made = create_folder(setup->config.state_dir, "the state directory"); !made.ok()) {
        return fail("watch", made.error(), ErrorStage::kJournal);
      }
      auto acquired = catalog::JournalLock::acquire(setup->config.state_dir, "imgsync watch");
      if (!acquired.ok()) return fail("watch", acquired.error(), ErrorStage::kJournal);
      lock.emplace(std::move(*acquired));
    }
    if (options.settle >= 0) setup->config.settle_seconds = options.settle;
    auto journal =
        catalog::JournalStore::open(setup->config.state_dir, journal_destination(*setup));
    if (!journal.ok()) {
      setup_error("watch", journal.error());
      return exit_code_for(journal.error(), ErrorStage::kJournal);
    }
    auto metrics_server = start_metrics(options, setup->config, metrics);
    if (!metrics_server.ok()) return setup_error("watch", metrics_server.error());
    s3::S3Client client(setup->s3);
    log_retries(client, [&metrics] { metrics.record_retry(); });
    app::WatchService service(setup->config, *journal, client);
    service.on_queue_depth = [&metrics](int files) { metrics.set_queue_depth(files); };
    const bool json = options.flags.json;
    notify::set_default_stderr_level(notify::LogLevel::kInfo);  // a daemon says what it does
    if (*metrics_server) {
      notify::log({.level = notify::LogLevel::kInfo,
                   .event = "metrics",
                   .message = fmt::format("serving /metrics and /healthz on port {}",
                                          (*metrics_server)->port())});
    }
    // Reports go out from a thread of their own, failures batched (one message a minute at
    // most), pauses and resumes as they happen: a slow notifier never holds the uploads.
    const std::string destination = setup->config.destination->to_string();
    notify::NotifyWorker notifier(setup->config.notifiers, destination);
    report_events(service, notifier, metrics, *journal, destination, json);
    auto publisher = start_publisher(options, *setup);
    if (!publisher.ok()) return setup_error("watch", publisher.error());
    auto puller = start_puller(options, *setup);
    if (!puller.ok()) return setup_error("watch", puller.error());
    auto forwarder = start_catalog_forwarder(*setup);  // [catalog] url: Items on to it
    app::WatchOptions watch_options;
    watch_options.once = options.once;
    watch_options.stop = &signals.stop;
    watch_options.reload = &signals.reload;
    watch_options.wake_fd = signals.wake_fd;
    watch_options.metadata_pool = metadata_pool->get();
    auto exit = service.run(watch_options);
    if (*publisher) (*publisher)->stop();  // one last segment with what this run uploaded
    if (*puller) (*puller)->stop();
    if (forwarder) forwarder->stop();  // one last pass; what fails waits for the next run
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
                                        {"thumbnails_uploaded", totals.thumbnails_uploaded},
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
  auto journal = catalog::JournalStore::open(setup->config.state_dir, journal_destination(*setup));
  if (!journal.ok()) return setup_error("enqueue", journal.error());
  auto outcome = app::enqueue_files(
      *journal, setup->config, options.files,
      config::source_kind_named(options.kind).value_or(config::SourceKind::kEnhanced));
  if (!outcome.ok()) return setup_error("enqueue", outcome.error());
  if (outcome->unreadable_file) {
    fmt::print(stderr, "imgsync enqueue: {}\n", outcome->unreadable_file->message);
    return kExitUsage;
  }
  const int queued = outcome->queued;
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
  watch_command->add_flag("--share-catalog", watch->share_catalog,
                          "append new and changed Items to the bucket's shared catalog");
  watch_command
      ->add_option("--catalog-interval", watch->catalog_interval,
                   "seconds between catalog segments with --share-catalog (default 5)")
      ->check(CLI::Range(0.1, 3600.0));
  watch_command->add_option(
      "--pull-every", watch->pull_every,
      "bring the index up to date from the bucket's shared catalog at start and then every "
      "DURATION (30s, 5m, 1h): other machines' Items become searchable here");
  watch_command->add_flag("--once", watch->once,
                          "exit when nothing is left to upload (for tests and cron)");
  watch_command
      ->add_option("--settle", watch->settle,
                   "seconds a closed file must stay unchanged before upload (default 2, or "
                   "[watch] settle)")
      ->check(CLI::Range(0.0, 3600.0));
  watch_command->add_option(
      "--metrics", watch->metrics,
      "serve Prometheus metrics (GET /metrics) and GET /healthz on HOST:PORT, e.g. "
      "127.0.0.1:9184 (or [watch] metrics); no authentication, so keep it on loopback unless "
      "the network may read it");
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
