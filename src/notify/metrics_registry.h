// What the daemon has done, for Prometheus: counters, gauges and the upload latency histogram
// behind `imgsync watch --metrics` (docs/operations.md lists every metric). Thread-safe: the
// watch loop records, the metrics server's thread reads.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "util/time_format.h"

namespace imgsync::notify {

class MetricsRegistry {
 public:
  // Upper bounds (seconds) of imgsync_upload_duration_seconds; +Inf follows.
  static constexpr std::array<double, 12> kDurationBuckets{0.05, 0.1, 0.25, 0.5, 1,   2.5,
                                                           5,    10,  30,   60,  120, 300};

  MetricsRegistry();

  void record_upload(std::uint64_t bytes, double seconds,
                     SystemTime when = std::chrono::system_clock::now());
  void record_failure(const std::string& category);  // an ErrorCategory name, e.g. "local-io"
  void record_retry();
  void set_queue_depth(int files);
  void set_paused(bool paused, const std::string& why = "");

  // The Prometheus text exposition format 0.0.4.
  std::string exposition() const;

  struct Health {
    bool ok = true;
    std::string text;  // "ok", or why not ("paused: ...")
  };
  Health health() const;

 private:
  mutable std::mutex mutex_;
  std::uint64_t uploaded_files_ = 0;
  std::uint64_t uploaded_bytes_ = 0;
  std::map<std::string, std::uint64_t> failures_;  // by category, every known one from 0
  std::uint64_t retries_ = 0;
  int queue_depth_ = 0;
  bool paused_ = false;
  std::string paused_why_;
  double last_success_ = 0;                                             // Unix seconds; 0: none yet
  std::array<std::uint64_t, kDurationBuckets.size()> bucket_counts_{};  // not cumulative
  std::uint64_t duration_count_ = 0;
  double duration_sum_ = 0;
};

}  // namespace imgsync::notify
