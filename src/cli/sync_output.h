// Output shared by the commands that run the sync engine (sync, retry, watch).
#pragma once

#include <functional>

#include "app/sync_service.h"
#include "config/aws_settings.h"
#include "config/s3_uri.h"
#include "s3/s3_client.h"

namespace imgsync::cli {

const char* event_name(app::SyncEvent::Kind kind);
// One JSON object on its own line, flushed: readers act on each event as it happens.
void print_event_json(const app::SyncEvent& event);
// The event as a log line (notify/event_log.h): uploads and failures at info/error, Items and
// parts at debug.
void log_event(const app::SyncEvent& event);
// Every request attempt the client tries again becomes a "retry" log line at debug level (shown
// with -v in watch, -vv in sync): operation, target, attempt, error category and S3 code.
void log_retries(s3::S3Client& client, std::function<void()> also = {});

// Files of a run that are neither done nor failed: a stopped run leaves them for the next one.
int pending_files(const app::SyncReport& report);

// The progress line's text after `seconds`: "12/300 files  4.1 MiB/80 MiB  3.2 MiB/s  ETA 24s
// 1 failed", or, while files are still being found, "scanning: 12/40+ files ..." without an ETA.
std::string format_progress(const app::SyncProgress& progress, double seconds);
// What must be fixed before running again: "the credentials of AKID...", "the bucket s3://B
// (imgsync init creates it)", "the connection to http://host:port".
std::string stop_cause(const Error& error, const s3::S3Settings& s3,
                       const config::S3Uri& destination);
// "imgsync sync: stopped: 12 files pending, nothing lost; run again when <cause> is fixed",
// then the error itself.
void print_stopped(const char* command, int pending, const std::string& cause, const Error& error);

}  // namespace imgsync::cli
