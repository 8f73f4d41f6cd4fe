// What `watch --pull-every` and `serve --pull-every` run: `imgsync index pull`
// (app/shared_catalog.h) from a thread of its own, every interval, so Items other machines append
// to the bucket's catalog reach this machine's index (and its searches and STAC API) without a
// restart. Like CatalogPublisher it has its own index connection and S3 client per run.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>

#include "app/catalog_publisher.h"
#include "app/shared_catalog.h"
#include "config/app_config.h"
#include "config/aws_settings.h"

namespace imgsync::app {

class CatalogPuller : public CatalogTask {
 public:
  // Pulls into the index `config` names: the shared catalog when [catalog] url is set (as
  // `imgsync index pull` does), else the local index in config.state_dir.
  CatalogPuller(config::AppConfig config, s3::S3Settings s3, BucketLocation location)
      : CatalogTask(config.state_dir, std::move(s3), std::move(location)),
        config_(std::move(config)) {}

  // One pull now.
  Result<PullReport> pull();

  // Pulls at once and then every `interval` until stop() (a pull under way finishes first; no
  // last one); each report goes to on_pulled, each failure to on_error (and the next interval
  // tries again).
  void start(std::chrono::milliseconds interval, std::function<void(const PullReport&)> on_pulled,
             std::function<void(const Error&)> on_error);

 private:
  config::AppConfig config_;
};

}  // namespace imgsync::app
