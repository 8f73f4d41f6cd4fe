#include "cli/sync_output.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "notify/event_log.h"
#include "util/byte_size.h"
#include "util/error_predicates.h"

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
    case app::SyncEvent::Kind::kThumbnailUploaded:
      return "thumbnail_uploaded";
    case app::SyncEvent::Kind::kThumbnailFailed:
      return "thumbnail_failed";
    case app::SyncEvent::Kind::kVanished:
      return "vanished";
    case app::SyncEvent::Kind::kMetadataWarning:
      return "metadata_unreadable";
    case app::SyncEvent::Kind::kRenamed:
      return "renamed";
    case app::SyncEvent::Kind::kNote:
      return "note";
    case app::SyncEvent::Kind::kWatching:
      return "watching";
  }
  return "unknown";
}

void print_event_json(const app::SyncEvent& event) {
  nlohmann::json line{{"event", event_name(event.kind)},
                      {"path", event.path},
                      {"key", event.key},
                      {"bytes", event.bytes}};
  if (event.kind == app::SyncEvent::Kind::kNote) {
    line["message"] = event.error;
  } else if (!event.error.empty()) {
    line["error"] = event.error;
    line["category"] = event.category ? std::string(to_string(*event.category)) : "";
  }
  fmt::print("{}\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  std::fflush(stdout);
}

void log_event(const app::SyncEvent& event) {
  notify::LogRecord record;
  record.event = event_name(event.kind);
  record.file = event.path;
  record.key = event.key;
  record.bytes = event.bytes;
  record.category = event.category;
  record.s3_code = event.s3_code;
  record.request_id = event.request_id;
  record.message = event.error;
  switch (event.kind) {
    case app::SyncEvent::Kind::kFailed:
    case app::SyncEvent::Kind::kItemFailed:
      record.level = notify::LogLevel::kError;
      break;
    case app::SyncEvent::Kind::kUploaded:
    case app::SyncEvent::Kind::kPlanned:
      record.level = notify::LogLevel::kInfo;
      break;
    case app::SyncEvent::Kind::kThumbnailFailed:
    case app::SyncEvent::Kind::kVanished:
    case app::SyncEvent::Kind::kMetadataWarning:
      record.level = notify::LogLevel::kWarn;
      break;
    case app::SyncEvent::Kind::kRenamed:
    case app::SyncEvent::Kind::kNote:
      record.level = notify::LogLevel::kInfo;
      break;
    case app::SyncEvent::Kind::kItemUploaded:
    case app::SyncEvent::Kind::kPartUploaded:
    case app::SyncEvent::Kind::kThumbnailUploaded:
    case app::SyncEvent::Kind::kWatching:  // its notice is logged already
      record.level = notify::LogLevel::kDebug;
      break;
  }
  notify::log(record);
}

void log_retries(s3::S3Client& client, std::function<void()> also) {
  client.on_retry = [also = std::move(also)](const s3::S3Client::RetryNotice& notice) {
    if (also) also();
    notify::LogRecord record;
    record.level = notify::LogLevel::kDebug;
    record.event = "retry";
    record.key = notice.target;
    record.attempt = notice.attempt;
    record.category = notice.error->category;
    record.s3_code = notice.error->s3_code;
    record.request_id = notice.error->request_id;
    record.message = fmt::format("{} attempt {} failed, retrying in {} ms: {}", notice.operation,
                                 notice.attempt, notice.delay.count(), notice.error->message);
    notify::log(record);
  };
}

std::string format_progress(const app::SyncProgress& progress, double seconds) {
  const double rate = seconds > 0 ? static_cast<double>(progress.bytes_done) / seconds : 0;
  if (!progress.total_known) {
    return fmt::format("scanning: {}/{}+ files  {}  {}/s  {} failed", progress.files_done,
                       progress.files_total, format_byte_size(progress.bytes_done),
                       format_byte_size(static_cast<std::uint64_t>(rate)), progress.files_failed);
  }
  const double eta =
      rate > 0 ? static_cast<double>(progress.bytes_total - progress.bytes_done) / rate : 0;
  return fmt::format(
      "{}/{} files  {}/{}  {}/s  ETA {:.0f}s  {} failed", progress.files_done, progress.files_total,
      format_byte_size(progress.bytes_done), format_byte_size(progress.bytes_total),
      format_byte_size(static_cast<std::uint64_t>(rate)), eta, progress.files_failed);
}

int pending_files(const app::SyncReport& report) {
  const int settled = report.unchanged + report.uploaded + report.already_there + report.failed +
                      report.failed_earlier;
  return std::max(0, report.scanned - settled);
}

std::string stop_cause(const Error& error, const s3::S3Settings& s3,
                       const config::S3Uri& destination) {
  if (is_credentials_error(error)) {
    return fmt::format("the credentials ({}, from {})", s3.credentials.access_key_id,
                       s3.credentials.source.empty() ? "?" : s3.credentials.source);
  }
  if (is_missing_bucket(error)) {
    return fmt::format("the missing bucket s3://{} (imgsync init --to {} creates it)",
                       destination.bucket, destination.to_string());
  }
  if (is_tls_verification_error(error)) {
    return "the certificate check of " + s3.endpoint_url();
  }
  if (is_unreachable(error)) return "the connection to " + s3.endpoint_url();
  return "the destination's problem below";
}

void print_stopped(const char* command, int pending, const std::string& cause, const Error& error) {
  fmt::print(stderr,
             "imgsync {0}: stopped: {1} file{2} pending, nothing lost; run again when {3} is "
             "fixed (imgsync doctor checks it)\nimgsync {0}: {4}\n",
             command, pending, pending == 1 ? "" : "s", cause, error.describe());
}

}  // namespace imgsync::cli
