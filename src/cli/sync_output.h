// Output shared by the commands that run the sync engine (sync, retry, watch).
#pragma once

#include <functional>

#include "app/sync_service.h"
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

}  // namespace imgsync::cli
