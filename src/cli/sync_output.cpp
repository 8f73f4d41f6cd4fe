#include "cli/sync_output.h"

#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>

namespace imgsync::cli {

const char* event_name(app::SyncEvent::Kind kind) {
  switch (kind) {
    case app::SyncEvent::Kind::kUploaded:
      return "uploaded";
    case app::SyncEvent::Kind::kFailed:
      return "failed";
    case app::SyncEvent::Kind::kPlanned:
      return "planned";
    case app::SyncEvent::Kind::kItemUploaded:
      return "item_uploaded";
    case app::SyncEvent::Kind::kItemFailed:
      return "item_failed";
    case app::SyncEvent::Kind::kPartUploaded:
      return "part_uploaded";
  }
  return "unknown";
}

void print_event_json(const app::SyncEvent& event) {
  nlohmann::json line{{"event", event_name(event.kind)},
                      {"path", event.path},
                      {"key", event.key},
                      {"bytes", event.bytes}};
  if (!event.error.empty()) {
    line["error"] = event.error;
    line["category"] = event.category;
  }
  fmt::print("{}\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  std::fflush(stdout);
}

}  // namespace imgsync::cli
