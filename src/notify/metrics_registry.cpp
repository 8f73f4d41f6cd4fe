#include "notify/metrics_registry.h"

#include <fmt/format.h>

#include "util/result.h"

namespace imgsync::notify {
namespace {

// Prometheus label values escape backslash, double quote and line feed.
std::string label_value(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    if (c == '\\' || c == '"') escaped += '\\';
    if (c == '\n') {
      escaped += "\\n";
      continue;
    }
    escaped += c;
  }
  return escaped;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// Go's strconv 'g'-like: shortest form that reads back (Prometheus parses any float).
std::string number(double value) {
  return fmt::format("{}", value);
}

}  // namespace

MetricsRegistry::MetricsRegistry() {
  for (auto category :
       {ErrorCategory::kRetryable, ErrorCategory::kThrottled, ErrorCategory::kAuth,
        ErrorCategory::kNotFound, ErrorCategory::kConflict, ErrorCategory::kInvalidInput,
        ErrorCategory::kIntegrity, ErrorCategory::kLocalIo, ErrorCategory::kTlsVerification,
        ErrorCategory::kFatal}) {
    failures_[std::string(to_string(category))] = 0;
  }
}

void MetricsRegistry::record_upload(std::uint64_t bytes, double seconds, SystemTime when) {
  std::lock_guard lock(mutex_);
  ++uploaded_files_;
  uploaded_bytes_ += bytes;
  last_success_ = std::chrono::duration<double>(when.time_since_epoch()).count();
  for (std::size_t i = 0; i < kDurationBuckets.size(); ++i) {
    if (seconds <= kDurationBuckets[i]) {
      ++bucket_counts_[i];
      break;
    }
  }
  ++duration_count_;
  duration_sum_ += seconds;
}

void MetricsRegistry::record_failure(const std::string& category) {
  std::lock_guard lock(mutex_);
  ++failures_[category.empty() ? "fatal" : category];
}

void MetricsRegistry::record_retry() {
  std::lock_guard lock(mutex_);
  ++retries_;
}

void MetricsRegistry::set_queue_depth(int files) {
  std::lock_guard lock(mutex_);
  queue_depth_ = files;
}

void MetricsRegistry::set_paused(bool paused, const std::string& why) {
  std::lock_guard lock(mutex_);
  paused_ = paused;
  paused_why_ = paused ? why : "";
}

std::string MetricsRegistry::exposition() const {
  std::lock_guard lock(mutex_);
  std::string out;
  header(out, "imgsync_uploaded_files_total", "counter", "Files uploaded.");
  out += fmt::format("imgsync_uploaded_files_total {}\n", uploaded_files_);
  header(out, "imgsync_uploaded_bytes_total", "counter", "Bytes of the files uploaded.");
  out += fmt::format("imgsync_uploaded_bytes_total {}\n", uploaded_bytes_);
  header(out, "imgsync_failures_total", "counter",
         "Files and Items that failed, by error category (docs/errors.md).");
  for (const auto& [category, count] : failures_) {
    out +=
        fmt::format("imgsync_failures_total{{category=\"{}\"}} {}\n", label_value(category), count);
  }
  header(out, "imgsync_retries_total", "counter", "S3 requests sent again after a failure.");
  out += fmt::format("imgsync_retries_total {}\n", retries_);
  header(out, "imgsync_queue_depth", "gauge",
         "Files the daemon holds: settling, waiting for a marker, or in the current pass.");
  out += fmt::format("imgsync_queue_depth {}\n", queue_depth_);
  header(out, "imgsync_paused", "gauge",
         "1 while uploads are paused because the destination is unusable.");
  out += fmt::format("imgsync_paused {}\n", paused_ ? 1 : 0);
  header(out, "imgsync_last_success_timestamp_seconds", "gauge",
         "Unix time of the last successful upload (0: none yet).");
  out += fmt::format("imgsync_last_success_timestamp_seconds {:.3f}\n", last_success_);
  header(out, "imgsync_upload_duration_seconds", "histogram",
         "Time from a file's upload start to the server's confirmation.");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kDurationBuckets.size(); ++i) {
    cumulative += bucket_counts_[i];
    out += fmt::format("imgsync_upload_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                       number(kDurationBuckets[i]), cumulative);
  }
  out += fmt::format("imgsync_upload_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", duration_count_);
  out += fmt::format("imgsync_upload_duration_seconds_sum {}\n", number(duration_sum_));
  out += fmt::format("imgsync_upload_duration_seconds_count {}\n", duration_count_);
  return out;
}

MetricsRegistry::Health MetricsRegistry::health() const {
  std::lock_guard lock(mutex_);
  if (paused_)
    return {false, "paused: " + (paused_why_.empty() ? "destination unusable" : paused_why_)};
  return {true, "ok"};
}

}  // namespace imgsync::notify
