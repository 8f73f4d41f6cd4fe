// sync, retry, status, verify: the journal-backed commands. Output: a summary on stdout, one line
// per failure on stderr, progress on a terminal only; --json turns both into JSON lines.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "app/catalog_publisher.h"
#include "app/sync_service.h"
#include "app/verify_service.h"
#include "catalog/journal_store.h"
#include "cli/catalog_forwarding.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/search_flags.h"
#include "cli/signals.h"
#include "cli/sync_flags.h"
#include "cli/sync_output.h"
#include "notify/event_log.h"
#include "notify/notifier.h"
#include "util/byte_size.h"

namespace imgsync::cli {
namespace {

using Clock = std::chrono::steady_clock;

int report_journal_error(const char* command, const Error& error) {
  return fail(command, error, ErrorStage::kJournal);
}

// format_progress on one line of the terminal, at most 5 times a second.
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}
  void show(const app::SyncProgress& progress) {
    if (!enabled_ || progress.files_total == 0) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(200) &&
        (progress.files_done < progress.files_total || !progress.total_known)) {
      return;
    }
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    fmt::print(stderr, "\r{}   ", format_progress(progress, seconds));
    shown_ = true;
  }
  void clear() {
    if (shown_) fmt::print(stderr, "\r\033[K");
    shown_ = false;
  }

 private:
  bool enabled_;
  bool shown_ = false;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_{};
};

struct SyncCommandOptions {
  SyncFlags flags;
  bool dry_run = false;
  bool all_failed = false;     // retry
  bool deep = false;           // verify
  bool share_catalog = false;  // sync, retry: append the run's Items to the bucket's catalog
};

// After a run: this machine's new and changed Items into the bucket's catalog. A failure is
// reported and leaves the exit code alone: the uploads are done, and the next run appends them.
void share_catalog(const char* command, const SyncSetup& setup) {
  auto location = bucket_location(setup);
  if (!location.ok()) return;
  app::CatalogPublisher publisher(setup.config.state_dir, setup.s3, *location);
  auto published = publisher.publish();
  if (!published.ok()) {
    fmt::print(stderr,
               "imgsync {}: the bucket's catalog was not updated ({}); the next run with "
               "--share-catalog appends these Items\n",
               command, published.error().message);
  }
}

// The notifiers' report of a run (not of a dry run).
void notify_after_run(const SyncSetup& setup, const app::SyncReport& r,
                      const std::vector<std::string>& first_errors) {
  notify::RunSummary summary{
      .event = r.destination_error ? notify::RunEvent::kDestinationUnusable
                                   : notify::RunEvent::kSyncFinished,
      .destination = setup.config.destination->to_string(),
      .uploaded = r.uploaded + r.already_there,
      .failed = r.failed + r.items_failed,
      .pending = r.destination_error || r.cancelled ? pending_files(r) : 0,
      .first_errors = first_errors,
  };
  if (r.destination_error && summary.first_errors.size() < 5) {
    summary.first_errors.push_back(r.destination_error->message);
  }
  notify::notify_run(setup.config.notifiers, summary);
}

// The run's summary on stdout: one JSON line with --json, else a sentence.
void print_summary(const SyncCommandOptions& options, const SyncSetup& setup,
                   const app::SyncReport& r) {
  const bool json = options.flags.json;
  if (json) {
    nlohmann::json summary{{"event", "summary"},
                           {"scanned", r.scanned},
                           {"unchanged", r.unchanged},
                           {"uploaded", r.uploaded},
                           {"already_there", r.already_there},
                           {"failed", r.failed},
                           {"failed_earlier", r.failed_earlier},
                           {"planned", r.planned},
                           {"items_uploaded", r.items_uploaded},
                           {"items_failed", r.items_failed},
                           {"thumbnails_uploaded", r.thumbnails_uploaded},
                           {"thumbnails_failed", r.thumbnails_failed},
                           {"parts_reused", r.parts_reused},
                           {"parts_uploaded", r.parts_uploaded},
                           {"aborted_uploads", r.aborted_uploads},
                           {"vanished", r.vanished},
                           {"metadata_warnings", r.metadata_warnings},
                           {"renamed", r.renamed},
                           {"bytes_uploaded", r.bytes_uploaded}};
    if (r.destination_error) summary["destination_error"] = r.destination_error->message;
    if (r.destination_error || r.cancelled) summary["pending"] = pending_files(r);
    fmt::print("{}\n", summary.dump());
  } else if (options.dry_run) {
    fmt::print("dry run: {} files ({}) would be uploaded; {} unchanged; {} failed\n", r.planned,
               format_byte_size(r.bytes_planned), r.unchanged, r.failed);
  } else {
    fmt::print("{} files uploaded ({}), {} Items, {} thumbnails; {} unchanged; {} failed",
               r.uploaded, format_byte_size(r.bytes_uploaded), r.items_uploaded,
               r.thumbnails_uploaded, r.unchanged, r.failed + r.items_failed);
    if (r.already_there > 0) {
      fmt::print("; {} already in the bucket (recorded, not sent again)", r.already_there);
    }
    if (r.metadata_warnings > 0) {
      fmt::print("; {} archived without readable metadata (imgsync:metadata_error)",
                 r.metadata_warnings);
    }
    if (r.renamed > 0) fmt::print("; {} renamed (their first name was taken)", r.renamed);
    if (r.vanished > 0) fmt::print("; {} pending files gone from the disk, forgotten", r.vanished);
    if (r.failed_earlier > 0) {
      fmt::print(" (+{} damaged files unchanged since they failed: imgsync status)",
                 r.failed_earlier);
    }
    fmt::print("\n");
    if (!r.destination_error) {
      fmt::print("the objects are in {}\n", setup.config.destination->to_string());
    }
  }
}

int run_sync(const char* command, const SyncCommandOptions& options, bool retry) {
  auto setup = resolve_sync_setup(options.flags);
  if (!setup.ok()) return fail_setup(command, setup.error());
  // Before any other thread exists (it forks): the files' metadata is read in these processes.
  const auto metadata_pool = start_metadata_readers(command, setup->config);
  auto journal = catalog::JournalStore::open(setup->config.state_dir, journal_destination(*setup));
  if (!journal.ok()) return report_journal_error(command, journal.error());
  if (retry) {
    auto requeued = journal->requeue_failed(options.all_failed);
    if (!requeued.ok()) return fail(command, requeued.error());
    if (!options.flags.json) fmt::print("re-queued {} failed files\n", *requeued);
  }
  s3::S3Client client(setup->s3);
  log_retries(client);
  app::SyncService service(setup->config, *journal, client);
  const bool json = options.flags.json;
  ProgressLine progress(!json && isatty(STDERR_FILENO) != 0);
  service.on_progress = [&progress](const app::SyncProgress& now) { progress.show(now); };
  notify::set_before_stderr([&progress] { progress.clear(); });
  std::vector<std::string> first_errors;  // for the notifiers
  service.on_event = [&](const app::SyncEvent& event) {
    log_event(event);  // stderr (failures by default, uploads with -v) and --log-file
    if ((event.kind == app::SyncEvent::Kind::kFailed ||
         event.kind == app::SyncEvent::Kind::kItemFailed) &&
        first_errors.size() < 5) {
      first_errors.push_back((event.path.empty() ? event.key : event.path) + ": " + event.error);
    }
    if (json) {
      print_event_json(event);
    } else if (event.kind == app::SyncEvent::Kind::kPlanned) {
      fmt::print("would upload {} -> s3://{}/{}\n", event.path, setup->config.destination->bucket,
                 event.key);
    }
  };
  app::SyncOptions sync_options;
  sync_options.dry_run = options.dry_run;
  sync_options.metadata_pool = metadata_pool.get();
  sync_options.cancel = &install_signal_handlers().stop;  // Ctrl-C: finish in flight, keep the rest
  auto report = service.run(sync_options);
  progress.clear();
  notify::set_before_stderr({});
  if (!report.ok()) return fail(command, report.error());
  if (options.share_catalog && !options.dry_run) share_catalog(command, *setup);
  if (!options.dry_run) forward_to_catalog(command, *setup);
  const auto& r = *report;
  if (!options.dry_run) notify_after_run(*setup, r, first_errors);
  print_summary(options, *setup, r);
  if (r.cancelled) {
    fmt::print(stderr,
               "imgsync {}: interrupted: {} files pending, nothing lost; the next run continues "
               "them\n",
               command, pending_files(r));
    return kExitSomeFailed;
  }
  if (r.destination_error) {
    print_stopped(command, pending_files(r),
                  stop_cause(*r.destination_error, setup->s3, *setup->config.destination),
                  *r.destination_error);
    return kExitDestination;
  }
  return r.all_done() ? kExitOk : kExitSomeFailed;
}

int run_status(const SyncCommandOptions& options) {
  auto setup = resolve_sync_setup(options.flags, false);
  if (!setup.ok()) return fail_setup("status", setup.error());
  auto journal = catalog::JournalStore::open(setup->config.state_dir, journal_destination(*setup));
  if (!journal.ok()) return report_journal_error("status", journal.error());
  auto counts = journal->counts();
  if (!counts.ok()) return fail("status", counts.error());
  auto failed = journal->all(catalog::FileState::kFailed);
  if (!failed.ok()) return fail("status", failed.error());
  if (options.flags.json) {
    nlohmann::json out{{"journal", (setup->config.state_dir / "journal.sqlite").string()},
                       {"total", counts->total},
                       {"counts", counts->by_state},
                       {"failed", nlohmann::json::array()}};
    for (const auto& record : *failed) {
      out["failed"].push_back({{"path", record.path},
                               {"error", record.last_error},
                               {"category", record.error_kind.word()},
                               {"attempts", record.attempts}});
    }
    fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    fmt::print("journal {}\n", (setup->config.state_dir / "journal.sqlite").string());
    fmt::print("{} files:", counts->total);
    for (const char* state : {"uploaded", "uploading", "pending", "failed"}) {
      auto found = counts->by_state.find(state);
      fmt::print(" {} {}", found == counts->by_state.end() ? 0 : found->second, state);
    }
    fmt::print("\n");
    int shown = 0;
    for (const auto& record : *failed) {
      if (++shown > 20) {
        fmt::print("... and {} more (imgsync status --json lists all)\n", failed->size() - 20);
        break;
      }
      fmt::print("failed {} ({}, {} attempts): {}\n", record.path, record.error_kind.word(),
                 record.attempts, record.last_error);
    }
  }
  return failed->empty() ? kExitOk : kExitSomeFailed;
}

int run_verify(const SyncCommandOptions& options) {
  auto setup = resolve_sync_setup(options.flags);
  if (!setup.ok()) return fail_setup("verify", setup.error());
  auto journal = catalog::JournalStore::open(setup->config.state_dir, journal_destination(*setup));
  if (!journal.ok()) return report_journal_error("verify", journal.error());
  s3::S3Client client(setup->s3);
  app::VerifyOptions verify;
  verify.deep = options.deep;
  verify.jobs = setup->config.upload.jobs;
  verify.scratch_dir = setup->config.state_dir / "verify";
  auto report = app::verify_uploads(
      *journal, client, setup->config.destination->bucket, verify,
      [&](const app::VerifyProblem& problem) {
        if (options.flags.json) {
          fmt::print("{}\n", nlohmann::json{{"event", "mismatch"},
                                            {"path", problem.path},
                                            {"key", problem.key},
                                            {"problem", problem.problem},
                                            {"queued_for_repair", problem.queued_for_repair}}
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        } else {
          fmt::print("MISMATCH s3://{}/{}{}: {}{}\n", setup->config.destination->bucket,
                     problem.key, problem.path.empty() ? "" : " (" + problem.path + ")",
                     problem.problem,
                     problem.queued_for_repair ? " (queued: the next sync uploads it again)" : "");
        }
      });
  if (!report.ok()) return fail("verify", report.error());
  if (options.flags.json) {
    fmt::print("{}\n", nlohmann::json{{"event", "summary"},
                                      {"objects_checked", report->objects_checked},
                                      {"items_checked", report->items_checked},
                                      {"problems", report->problems},
                                      {"queued_for_repair", report->queued_for_repair},
                                      {"items_adopted", report->items_adopted},
                                      {"deep", options.deep}}
                           .dump());
  } else {
    fmt::print("verified {} objects and {} Items{}: {} problems{}\n", report->objects_checked,
               report->items_checked, options.deep ? " (downloaded and hashed)" : "",
               report->problems,
               report->items_adopted == 0
                   ? std::string()
                   : fmt::format(" ({} Items extended by another writer of the same capture, "
                                 "adopted)",
                                 report->items_adopted));
  }
  return report->problems == 0 ? kExitOk : kExitSomeFailed;
}

}  // namespace

void add_sync_commands(CLI::App& app, int& exit_code) {
  auto sync = std::make_shared<SyncCommandOptions>();
  CLI::App* sync_command =
      app.add_subcommand("sync", "upload every new or changed image with its STAC Item");
  add_sync_flags(*sync_command, sync->flags, true);
  sync_command->add_flag("--share-catalog", sync->share_catalog,
                         "append the new and changed Items to the bucket's shared catalog "
                         "(catalog/items/), for 'imgsync index pull' on other machines");
  sync_command->add_flag("-n,--dry-run", sync->dry_run,
                         "say what would be uploaded; change nothing");
  sync_command->callback([sync, &exit_code] { exit_code = run_sync("sync", *sync, false); });

  auto retry = std::make_shared<SyncCommandOptions>();
  CLI::App* retry_command =
      app.add_subcommand("retry", "re-queue failed files (transient failures) and sync again");
  add_sync_flags(*retry_command, retry->flags, true);
  retry_command->add_flag("--all-failed", retry->all_failed,
                          "also files that failed as damaged or unreadable images");
  retry_command->callback([retry, &exit_code] { exit_code = run_sync("retry", *retry, true); });

  auto status = std::make_shared<SyncCommandOptions>();
  CLI::App* status_command =
      app.add_subcommand("status", "files per state in the journal, and the last errors");
  add_sync_flags(*status_command, status->flags, false);
  status_command->callback([status, &exit_code] { exit_code = run_status(*status); });

  auto verify = std::make_shared<SyncCommandOptions>();
  CLI::App* verify_command = app.add_subcommand(
      "verify", "check every uploaded object's size and SHA-256 against the journal");
  add_sync_flags(*verify_command, verify->flags, false);
  verify_command->add_flag("--deep", verify->deep, "download every object and hash it");
  verify_command->callback([verify, &exit_code] { exit_code = run_verify(*verify); });
}

}  // namespace imgsync::cli
