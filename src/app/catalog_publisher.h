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

class CatalogPublisher {
 public:
  CatalogPublisher(std::filesystem::path state_dir, config::S3Settings s3, BucketLocation location)
      : state_dir_(std::move(state_dir)), s3_(std::move(s3)), location_(std::move(location)) {}
  ~CatalogPublisher() { stop(); }
  CatalogPublisher(const CatalogPublisher&) = delete;
  CatalogPublisher& operator=(const CatalogPublisher&) = delete;

  // Appends what changed since the last segment.
  Result<AppendReport> publish();

  // Publishes every `interval` until stop(); failures go to on_error (and are tried again).
  void start(std::chrono::milliseconds interval, std::function<void(const Error&)> on_error);
  // Stops the thread after one last publish.
  void stop();

 private:
  std::filesystem::path state_dir_;
  config::S3Settings s3_;
  BucketLocation location_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace imgsync::app
