// What sync and watch call to append this machine's new and changed Items to the bucket's
// catalog (app/shared_catalog.h): once at the end of a sync run, or every few seconds from a
// thread of its own while watch runs (and once more when it stops). It has its own index
// connection and S3 client, so it never shares a handle with the sync engine.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "app/shared_catalog.h"
#include "config/aws_settings.h"

namespace imgsync::app {

// Runs `work` from a thread of its own every `interval` until stop(): optionally once at start
// and once more at stop. stop() wakes the thread at once (a run under way finishes first).
class IntervalThread {
 public:
  IntervalThread() = default;
  ~IntervalThread() { stop(); }
  IntervalThread(const IntervalThread&) = delete;
  IntervalThread& operator=(const IntervalThread&) = delete;

  void start(std::chrono::milliseconds interval, bool first_at_once, bool last_at_stop,
             std::function<void()> work);
  void stop();

 private:
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

// What CatalogPublisher and CatalogPuller share: where the index and the bucket are, and the
// thread that runs their work on an interval. stop() ends it (after a last run for a publisher).
class CatalogTask {
 public:
  CatalogTask(std::filesystem::path state_dir, s3::S3Settings s3, BucketLocation location)
      : state_dir_(std::move(state_dir)), s3_(std::move(s3)), location_(std::move(location)) {}
  ~CatalogTask() { thread_.stop(); }
  CatalogTask(const CatalogTask&) = delete;
  CatalogTask& operator=(const CatalogTask&) = delete;
  void stop() { thread_.stop(); }

 protected:
  std::filesystem::path state_dir_;
  s3::S3Settings s3_;
  BucketLocation location_;
  IntervalThread thread_;
};

class CatalogPublisher : public CatalogTask {
 public:
  using CatalogTask::CatalogTask;

  // Appends what changed since the last segment.
  Result<AppendReport> publish();

  // Publishes every `interval` until stop() (and once more then); failures go to on_error (and
  // are tried again).
  void start(std::chrono::milliseconds interval, std::function<void(const Error&)> on_error);
};

}  // namespace imgsync::app
