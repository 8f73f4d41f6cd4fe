#include "notify/event_log.h"

#include <fmt/format.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "util/time_format.h"

namespace imgsync::notify {
namespace {

struct State {
  std::mutex mutex;
  LogSettings settings;
  LogLevel default_level = LogLevel::kWarn;
  std::shared_ptr<spdlog::sinks::rotating_file_sink_mt> file;
  std::function<void()> before_stderr;
};

State& state() {
  static State instance;
  return instance;
}

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

LogLevel stderr_threshold(const State& s) {
  const int level = static_cast<int>(s.default_level) - s.settings.verbosity;
  return static_cast<LogLevel>(std::clamp(level, 0, 3));
}

std::string now_text() {
  return format_iso8601(std::chrono::system_clock::now());
}

}  // namespace

std::string format_json(const LogRecord& record) {
  nlohmann::json line{
      {"time", now_text()}, {"level", level_name(record.level)}, {"event", record.event}};
  if (!record.file.empty()) line["file"] = record.file;
  if (!record.key.empty()) line["key"] = record.key;
  if (record.bytes > 0) line["bytes"] = record.bytes;
  if (record.duration_ms) line["duration_ms"] = *record.duration_ms;
  if (record.attempt > 0) line["attempt"] = record.attempt;
  if (record.category) line["category"] = to_string(*record.category);
  if (!record.s3_code.empty()) line["s3_code"] = record.s3_code;
  if (!record.request_id.empty()) line["request_id"] = record.request_id;
  if (!record.message.empty()) line["message"] = record.message;
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string format_text(const LogRecord& record) {
  std::string text = fmt::format("{} {:<5} {}", now_text(), level_name(record.level), record.event);
  if (!record.file.empty()) text += " " + record.file;
  if (!record.key.empty()) text += (record.file.empty() ? " " : " -> ") + record.key;
  if (record.bytes > 0) text += fmt::format(" ({} B)", record.bytes);
  if (record.category) {
    text += fmt::format(" [{}{}{}]", to_string(*record.category),
                        record.s3_code.empty() ? "" : " " + record.s3_code,
                        record.request_id.empty() ? "" : " request " + record.request_id);
  }
  if (!record.message.empty()) text += ": " + record.message;
  return text;
}

Status configure_logging(const LogSettings& settings) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  s.settings = settings;
  s.file.reset();
  if (!settings.file.empty()) {
    try {
      s.file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(settings.file, 10 << 20, 5);
      s.file->set_pattern("%v");
    } catch (const spdlog::spdlog_ex& error) {
      return make_error(
          ErrorCategory::kInvalidInput,
          fmt::format("--log-file {}: cannot write it ({})", settings.file, error.what()));
    }
  }
  return {};
}

namespace {

class RecordSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    LogRecord record;
    record.level = message.level >= spdlog::level::err    ? LogLevel::kError
                   : message.level == spdlog::level::warn ? LogLevel::kWarn
                   : message.level == spdlog::level::info ? LogLevel::kInfo
                                                          : LogLevel::kDebug;
    record.event = "note";
    record.message.assign(message.payload.data(), message.payload.size());
    notify::log(record);
  }
  void flush_() override {}
};

}  // namespace

void route_library_logs() {
  auto logger = std::make_shared<spdlog::logger>("imgsync", std::make_shared<RecordSink>());
  logger->set_level(spdlog::level::info);  // the per-request debug lines stay out
  spdlog::set_default_logger(std::move(logger));
}

void set_default_stderr_level(LogLevel level) {
  std::lock_guard lock(state().mutex);
  state().default_level = level;
}

void set_before_stderr(std::function<void()> hook) {
  std::lock_guard lock(state().mutex);
  state().before_stderr = std::move(hook);
}

void log(const LogRecord& record) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  const std::string line = s.settings.json ? format_json(record) : format_text(record);
  if (record.level >= stderr_threshold(s)) {
    if (s.before_stderr) s.before_stderr();
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  // The file keeps everything from info up (debug with -vv), whatever the terminal shows.
  if (s.file && (record.level >= LogLevel::kInfo || s.settings.verbosity >= 2)) {
    spdlog::details::log_msg message(spdlog::string_view_t(), spdlog::level::info,
                                     spdlog::string_view_t(line));
    s.file->log(message);
    s.file->flush();
  }
}

}  // namespace imgsync::notify
