#include "transfer/task_queue.h"

#include <memory>

namespace imgsync::transfer {

TaskQueue::TaskQueue(s3::HttpEngine& engine, int limit)
    : engine_(engine), limit_(limit < 1 ? 1 : limit) {}

void TaskQueue::push(Task task) {
  queue_.push_back(std::move(task));
}

void TaskQueue::push_urgent(Task task) {
  queue_.push_front(std::move(task));
}

void TaskQueue::start_ready() {
  while (running_ < limit_) {
    if (queue_.empty()) {
      if (exhausted_ || !refill_) return;
      if (!refill_()) {
        exhausted_ = true;
        return;
      }
      continue;
    }
    Task task = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    auto once = std::make_shared<bool>(false);
    task([this, once] {
      if (*once) return;  // a task that reports twice must not free two slots
      *once = true;
      --running_;
    });
  }
}

void TaskQueue::run() {
  exhausted_ = false;
  while (true) {
    start_ready();
    if (running_ == 0 && queue_.empty()) {
      if (exhausted_ || !refill_) return;
      continue;
    }
    // Run the engine until a task finishes (a slot frees) or new work was queued by a callback.
    const int running_before = running_;
    const std::size_t queued_before = queue_.size();
    engine_.run_until([&] { return running_ < running_before || queue_.size() != queued_before; });
    if (running_ == running_before && queue_.size() == queued_before && engine_.in_flight() == 0) {
      // The engine went idle without any task finishing: a task lost its callback. Do not spin.
      return;
    }
  }
}

}  // namespace imgsync::transfer
