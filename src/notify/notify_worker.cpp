#include "notify/notify_worker.h"

#include "notify/event_log.h"

namespace imgsync::notify {

NotifyWorker::NotifyWorker(std::vector<config::NotifierConfig> notifiers, std::string destination,
                           std::chrono::milliseconds interval, Now now)
    : notifiers_(std::move(notifiers)),
      destination_(std::move(destination)),
      interval_(interval),
      now_(std::move(now)),
      thread_([this] { run(); }) {}

NotifyWorker::~NotifyWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void NotifyWorker::record_upload() {
  std::lock_guard lock(mutex_);
  ++batch_.uploaded;
}

void NotifyWorker::record_failure(const std::string& what) {
  {
    std::lock_guard lock(mutex_);
    ++batch_.failed;
    if (batch_.first_errors.size() < 5) batch_.first_errors.push_back(what);
  }
  wake_.notify_one();
}

void NotifyWorker::post(RunSummary summary) {
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
    log({.level = LogLevel::kWarn,
         .event = "notify_failed",
         .message = "notifiers are too slow; dropped the oldest waiting report"});
  }
}

void NotifyWorker::time_passed() {
  { std::lock_guard lock(mutex_); }  // the thread is waiting or will look at the clock
  wake_.notify_one();
}

void NotifyWorker::queue_batch_locked(Clock::time_point now) {
  batch_.event = RunEvent::kWatchReport;
  batch_.destination = destination_;
  queue_.push_back(std::move(batch_));
  batch_ = {};
  last_batch_sent_ = now;
}

void NotifyWorker::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    const auto due = last_batch_sent_ + interval_;
    const auto now = now_();
    if (batch_.failed > 0 && (stopping_ || now >= due)) queue_batch_locked(now);
    if (!queue_.empty()) {
      RunSummary summary = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      notify_run(notifiers_, summary);  // bounded; no lock held meanwhile
      lock.lock();
      continue;
    }
    if (stopping_) return;  // everything sent
    if (batch_.failed > 0) {
      wake_.wait_for(lock, due - now);  // measured on now_: an injected clock wakes us itself
    } else {
      wake_.wait(lock);
    }
  }
}

}  // namespace imgsync::notify
