#include "notify/notify_worker.h"

#include "notify/event_log.h"

namespace imgsync::notify {

NotifyWorker::NotifyWorker(std::vector<config::NotifierConfig> notifiers)
    : notifiers_(std::move(notifiers)), thread_([this] { run(); }) {}

NotifyWorker::~NotifyWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void NotifyWorker::post(RunSummary summary) {
  if (notifiers_.empty()) return;
  bool dropped = false;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= kMaxQueued) {
      queue_.pop_front();
      dropped = true;
    }
    queue_.push_back(std::move(summary));
  }
  wake_.notify_one();
  if (dropped) {
    log({LogLevel::kWarn, "notify_failed", "", "", 0, std::nullopt, 0, "", "", "",
         "notifiers are too slow; dropped the oldest waiting report"});
  }
}

void NotifyWorker::run() {
  for (;;) {
    RunSummary summary;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything was sent
      summary = std::move(queue_.front());
      queue_.pop_front();
    }
    notify_run(notifiers_, summary);
  }
}

}  // namespace imgsync::notify
