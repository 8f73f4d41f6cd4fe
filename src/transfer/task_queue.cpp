#include "transfer/task_queue.h"

#include <memory>
#include <optional>

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
  std::optional<std::chrono::steady_clock::time_point> deadline;
  auto cancelled = [this] { return cancelled_ && cancelled_(); };
  while (true) {
    if (!deadline && cancelled()) {
      // What is queued is work under way (an Item, a thumbnail, a next part): it may finish
      // within the grace; new files come only from refill, which ends here.
      exhausted_ = true;
      refill_ = nullptr;
      deadline = std::chrono::steady_clock::now() + grace_;
    }
    if (deadline && std::chrono::steady_clock::now() >= *deadline) return;
    // Once cancelled, refill is gone but what work under way queues (the Item and thumbnail of
    // a file just uploaded, its next part) still runs until the deadline.
    start_ready();
    // Work on other threads (engine holds: thumbnails) may still queue tasks when it is done.
    if (running_ == 0 && queue_.empty() && engine_.holds() == 0) {
      if (exhausted_ || !refill_) return;
      continue;
    }
    // Run the engine until a task finishes (a slot frees) or new work was queued by a callback.
    const int running_before = running_;
    const std::size_t queued_before = queue_.size();
    const std::size_t holds_before = engine_.holds();
    const bool was_cancelled = deadline.has_value();
    engine_.run_until([&] {
      return running_ < running_before || queue_.size() != queued_before ||
             engine_.holds() != holds_before || (!was_cancelled && cancelled()) ||
             (was_cancelled && std::chrono::steady_clock::now() >= *deadline);
    });
    if (running_ == running_before && queue_.size() == queued_before &&
        engine_.holds() == holds_before && engine_.in_flight() == 0) {
      // The engine went idle without any task finishing: a task lost its callback. Do not spin.
      return;
    }
  }
}

}  // namespace imgsync::transfer
