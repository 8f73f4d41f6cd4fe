// Bounded concurrency on one HttpEngine. A task starts one asynchronous request and calls its
// `finished` callback once; at most `limit` tasks run at a time. Requests are signed when they
// start, so work waits here, unsigned, rather than in the engine.
//
// Three lanes, in this order: urgent tasks (the next part or the completion of an upload already
// under way, an Item whose files are up) so that started work finishes first; then new work from
// `refill`; then background tasks (thumbnails and the Item sent again to name one), which trail
// the images and never hold them: they run when nothing else waits, and one of them at a time
// even then, so they never starve under a steady stream.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>

#include "s3/http_engine.h"

namespace imgsync::transfer {

class TaskQueue {
 public:
  using Finished = std::function<void()>;
  using Task = std::function<void(Finished finished)>;
  // Called whenever a slot is free and the queue is empty: push more work, or return false
  // when there is none left.
  using Refill = std::function<bool()>;

  TaskQueue(s3::HttpEngine& engine, int limit);
  ~TaskQueue() { *alive_ = false; }
  TaskQueue(const TaskQueue&) = delete;
  TaskQueue& operator=(const TaskQueue&) = delete;

  void push(Task task);
  void push_urgent(Task task);
  void push_background(Task task);
  void set_refill(Refill refill) {
    refill_ = std::move(refill);
    exhausted_ = false;
  }
  // Follow mode (watch): a refill that had nothing is asked again every `interval` while work is
  // under way, so files that become ready meanwhile join this run instead of waiting for its
  // end. run() still returns once nothing is running, queued or held and refill has nothing.
  void follow(std::chrono::milliseconds interval) { follow_interval_ = interval; }
  // Drive the engine until no task is queued or running, refill has nothing more and no work
  // handed to another thread (HttpEngine::hold) is outstanding.
  void run();

  // Once `cancelled` says so, no more work is refilled; what is queued or in flight and what it
  // queues as it finishes (a file's Item and thumbnail, its next part) get `grace` to finish,
  // then run() returns regardless (their work is recorded as far as it got: multipart parts stay
  // in the journal, Items and thumbnails due, for the next run). Callers that must not start
  // new work after a cancel check for it themselves (sync starts no new file's bytes).
  void set_cancel(std::function<bool()> cancelled, std::chrono::milliseconds grace) {
    cancelled_ = std::move(cancelled);
    grace_ = grace;
  }

  int running() const { return running_; }
  std::size_t queued() const { return queue_.size() + background_.size(); }

 private:
  void start_ready();
  void start(Task task, bool background);
  bool idle() const;
  void wake_later();

  s3::HttpEngine& engine_;
  int limit_;
  int running_ = 0;
  int background_running_ = 0;
  bool exhausted_ = false;
  std::deque<Task> queue_;
  std::deque<Task> background_;
  Refill refill_;
  std::function<bool()> cancelled_;
  std::chrono::milliseconds grace_{0};
  std::chrono::milliseconds follow_interval_{0};
  bool wake_pending_ = false;  // follow mode: a timer will ask refill again
  bool woken_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for the follow timer
};

}  // namespace imgsync::transfer
