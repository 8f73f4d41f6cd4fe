// Output shared by the commands that run the sync engine (sync, retry, watch).
#pragma once

#include "app/sync_service.h"

namespace imgsync::cli {

const char* event_name(app::SyncEvent::Kind kind);
// One JSON object on its own line, flushed: readers act on each event as it happens.
void print_event_json(const app::SyncEvent& event);
// The event as a log line (notify/event_log.h): uploads and failures at info/error, Items and
// parts at debug.
void log_event(const app::SyncEvent& event);

}  // namespace imgsync::cli
