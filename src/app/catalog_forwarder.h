// What sync and watch call to copy this machine's new and changed Items from the local index
// (the outbox: sync writes there first, as always) into the shared PostgreSQL catalog
// (catalog/pg_item_index.h). Each change is merged by its `updated` time, so a change copied
// twice, or after a teammate's newer one, is harmless.
//
// The position reached (the local change sequence) is kept in the local index per catalog and
// collection, and moves only after the catalog has committed a batch: when the catalog is
// unreachable, or the process dies, the Items not yet copied stay pending and the next forward
// (this watch's next attempt, the next sync or watch) copies them. Nothing is lost.
//
// While watch runs, a thread of its own forwards every few seconds; after a failure it pauses
// and tries again with growing back-off (s3::RetryPolicy's delays, up to a minute), and says
// so once when the catalog goes away and once when it is back.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "app/search_service.h"
#include "catalog/item_index.h"
#include "config/catalog_config.h"
#include "s3/retry_policy.h"

namespace imgsync::app {

struct ForwardReport {
  std::int64_t written = 0;  // added to or replaced in the catalog
  std::int64_t kept = 0;     // the catalog held the same or a newer copy
};

// Copies the changes of `local` after the position kept under `position_name`, in batches of
// `batch` (one catalog transaction each, then the position).
Result<ForwardReport> forward_changes(catalog::ItemIndex& local, catalog::ItemIndex& shared,
                                      const std::string& position_name, int batch = 500);
// Every Item of `local` (a whole index, `imgsync index migrate --to-catalog`), in batches of
// `batch`; on_batch after each with the running totals.
Result<ForwardReport> copy_index(catalog::ItemIndex& local, catalog::ItemIndex& shared,
                                 const std::function<void(const ForwardReport&)>& on_batch,
                                 int batch = 1000);
// The local index setting that keeps how far changes were forwarded to this catalog.
std::string forwarded_position_name(const config::CatalogSettings& settings,
                                    const BucketLocation& location);
// How many local changes wait to be copied.
Result<std::int64_t> pending_changes(catalog::ItemIndex& local, const std::string& position_name);

// The events of a forwarding thread, for watch's log and notifiers.
struct ForwarderHooks {
  // The catalog could not be written (first failure of a pause): pending Items, the error, the
  // delay before the next try.
  std::function<void(std::int64_t pending, const Error&, std::chrono::milliseconds)> paused;
  std::function<void(const ForwardReport&)> resumed;  // written again after a pause
};

class CatalogForwarder {
 public:
  CatalogForwarder(std::filesystem::path state_dir, config::CatalogSettings settings,
                   BucketLocation location);
  ~CatalogForwarder() { stop(); }
  CatalogForwarder(const CatalogForwarder&) = delete;
  CatalogForwarder& operator=(const CatalogForwarder&) = delete;

  // One pass: everything pending now.
  Result<ForwardReport> forward();
  Result<std::int64_t> pending();

  // Forwards every `interval` until stop(), pausing after failures.
  void start(std::chrono::milliseconds interval, ForwarderHooks hooks);
  // Stops the thread after one last pass (a failure leaves the rest pending).
  void stop();

 private:
  Result<catalog::ItemIndex*> local_index();
  void run(std::chrono::milliseconds interval, const ForwarderHooks& hooks);

  std::filesystem::path state_dir_;
  config::CatalogSettings settings_;
  BucketLocation location_;
  std::string position_name_;
  std::unique_ptr<catalog::ItemIndex> local_, shared_;  // opened on first need, kept
  s3::RetryPolicy backoff_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace imgsync::app
