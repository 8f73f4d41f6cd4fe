// The one logger: human-readable lines on stderr (or JSON objects with --log-format json), and
// optionally a size-rotated log file. Commands log what happened to each file (one line per upload
// success or failure); they never pass secrets here (Errors never hold them: src/s3/s3_error.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "util/result.h"

namespace imgsync::notify {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

struct LogRecord {
  LogLevel level = LogLevel::kInfo;
  std::string event;  // "uploaded", "failed", "paused"...
  std::string file{};
  std::string key{};
  std::uint64_t bytes = 0;
  std::optional<double> duration_ms{};
  int attempt = 0;
  std::optional<ErrorCategory> category{};  // for failures
  std::string s3_code{};
  std::string request_id{};
  std::string message{};
};

struct LogSettings {
  bool json = false;  // --log-format json
  std::string file;   // --log-file PATH ("" = none); rotated at 10 MiB, 5 kept
  int verbosity = 0;  // -q: -1, default 0, -v: 1, -vv: 2
  LogLevel stderr_level = LogLevel::kWarn;  // the command's default at verbosity 0
};

// Applies the settings (process-wide). An unwritable log file is a kInvalidInput error.
Status configure_logging(const LogSettings& settings);
// The command's default stderr level, before -q/-v adjust it (watch: info; sync: warnings).
void set_default_stderr_level(LogLevel level);
void log(const LogRecord& record);
// What the lower layers say through spdlog (e.g. "the unfinished upload is gone from the server;
// starting over") becomes a log record too, event "note", info and up: on stderr or in JSON by
// the same rules as the rest, never on stdout, where --json output goes.
void route_library_logs();
// Called before a line goes to stderr (e.g. to clear a progress line).
void set_before_stderr(std::function<void()> hook);

// "time level event file -> key (bytes) [category code request] message" / one JSON object.
std::string format_text(const LogRecord& record);
std::string format_json(const LogRecord& record);

}  // namespace imgsync::notify
