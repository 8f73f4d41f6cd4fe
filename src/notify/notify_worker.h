// Reports sent from a thread of their own, for the daemon: a slow or dead notifier (each send is
// bounded, e-mail 15 s, webhook 10 s, exec 30 s) then delays only other reports, never the upload
// loop that posts them. In order, one at a time.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "config/notifier_config.h"
#include "notify/notifier.h"

namespace imgsync::notify {

class NotifyWorker {
 public:
  explicit NotifyWorker(std::vector<config::NotifierConfig> notifiers);
  // Sends what is still queued, then joins the thread.
  ~NotifyWorker();
  NotifyWorker(const NotifyWorker&) = delete;
  NotifyWorker& operator=(const NotifyWorker&) = delete;

  // Queues the report for notify_run and returns at once. Beyond kMaxQueued waiting reports the
  // oldest is dropped (and logged): notifiers that far behind are not catching up.
  void post(RunSummary summary);

  static constexpr std::size_t kMaxQueued = 32;

 private:
  void run();

  const std::vector<config::NotifierConfig> notifiers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<RunSummary> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace imgsync::notify
