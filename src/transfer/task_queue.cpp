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

void TaskQueue::push_background(Task task) {
  background_.push_back(std::move(task));
}

void TaskQueue::start(Task task, bool background) {
  ++running_;
  if (background) ++background_running_;
  auto once = std::make_shared<bool>(false);
  task([this, once, background] {
    if (*once) return;  // a task that reports twice must not free two slots
    *once = true;
    --running_;
    if (background) --background_running_;
  });
}

void TaskQueue::start_ready() {
  while (running_ < limit_) {
    if (!queue_.empty()) {
      Task task = std::move(queue_.front());
      queue_.pop_front();
      start(std::move(task), false);
      continue;
    }
    // One background task at a time even while new work waits: thumbnails trail, never starve.
    const bool background_first = !background_.empty() && background_running_ == 0;
    if (!background_first && !exhausted_ && refill_) {
      if (!refill_()) exhausted_ = true;
      continue;
    }
    if (background_.empty()) return;
    Task task = std::move(background_.front());
    background_.pop_front();
    start(std::move(task), true);
  }
}

bool TaskQueue::idle() const {
  return running_ == 0 && queue_.empty() && background_.empty() && engine_.holds() == 0;
}

void TaskQueue::wake_later() {
  if (wake_pending_) return;
  wake_pending_ = true;
  engine_.schedule(follow_interval_, [this, alive = alive_] {
    if (!*alive) return;  // the run ended and its queue is gone
    wake_pending_ = false;
    woken_ = true;
  });
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
    if (woken_) {
      woken_ = false;
      exhausted_ = false;  // follow mode: ask refill again
    }
    // Once cancelled, refill is gone but what work under way queues (the Item and thumbnail of
    // a file just uploaded, its next part) still runs until the deadline.
    start_ready();
    // Work on other threads (engine holds: thumbnails) may still queue tasks when it is done.
    if (idle()) {
      if (exhausted_ || !refill_) return;
      continue;
    }
    if (exhausted_ && refill_ && follow_interval_.count() > 0) wake_later();
    // Run the engine until a task finishes (a slot frees) or new work was queued by a callback.
    const int running_before = running_;
    const std::size_t queued_before = queued();
    const std::size_t holds_before = engine_.holds();
    const bool was_cancelled = deadline.has_value();
    engine_.run_until([&] {
      return running_ < running_before || queued() != queued_before ||
             engine_.holds() != holds_before || woken_ || (!was_cancelled && cancelled()) ||
             (was_cancelled && std::chrono::steady_clock::now() >= *deadline);
    });
    if (running_ == running_before && queued() == queued_before &&
        engine_.holds() == holds_before && engine_.in_flight() == 0 && !woken_ && !wake_pending_) {
      // The engine went idle without any task finishing: a task lost its callback. Do not spin.
      return;
    }
  }
}

}  // namespace imgsync::transfer
