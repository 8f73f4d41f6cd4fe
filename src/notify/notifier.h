// Telling a person about a run: one message per run (sync) with counts and the first errors, to
// every [[notify]] of imgsync.toml that wants it. A notifier that fails is logged and never
// changes the run's outcome or blocks uploads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/notifier_config.h"

namespace imgsync::notify {

// What a report is about.
enum class RunEvent {
  kSyncFinished,         // a sync run ended
  kDestinationUnusable,  // a run stopped, or the daemon paused: the destination is unusable
  kResumed,              // the daemon's destination is usable again
  kWatchReport,          // the daemon's batch of uploads and failures (notify_worker.h)
};
// The word notifiers carry (webhook "event", IMGSYNC_EVENT, e-mail): "sync_finished",
// "destination_unusable", "resumed", "watch_report".
std::string_view to_string(RunEvent event);

struct RunSummary {
  RunEvent event = RunEvent::kSyncFinished;
  std::string destination;  // s3://bucket/prefix
  int uploaded = 0;
  int failed = 0;
  int pending = 0;  // files a stopped run left for the next one (nothing lost)
  std::vector<std::string> first_errors;  // at most 5, "path: message"
};

void notify_run(const std::vector<config::NotifierConfig>& notifiers, const RunSummary& summary);

// The JSON body a webhook receives, and the one-line text Slack gets.
std::string summary_json(const RunSummary& summary);
std::string summary_text(const RunSummary& summary);

// What an exec notifier's program sees: `parent` ("NAME=value" strings) without AWS credentials
// (AWS_ACCESS_KEY_ID and every AWS_* holding SECRET, TOKEN or PASSWORD), without the variable
// any notifier's password_env names and without stale IMGSYNC_* values, plus the run's IMGSYNC_*
// details. A hook gets what it needs to report a run, not the keys to the bucket.
std::vector<std::string> exec_environment(const std::vector<std::string>& parent,
                                          const std::vector<config::NotifierConfig>& notifiers,
                                          const RunSummary& summary);

// "host:port" of a URL: what logs may show of a webhook or SMTP URL (its path, query and any
// user:password@ can hold secrets).
std::string host_of_url(const std::string& url);

}  // namespace imgsync::notify
