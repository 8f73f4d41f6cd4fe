// Bounded concurrency on one HttpEngine. A task starts one asynchronous request and calls its
// `finished` callback once; at most `limit` tasks run at a time. Requests are signed when they
// start, so work waits here, unsigned, rather than in the engine. Urgent tasks (the next part or
// the completion of an upload already under way) jump the queue so started work finishes first.
#pragma once

#include <chrono>
#include <deque>
#include <functional>

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

  void push(Task task);
  void push_urgent(Task task);
  void set_refill(Refill refill) {
    refill_ = std::move(refill);
    exhausted_ = false;
  }
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
  std::size_t queued() const { return queue_.size(); }

 private:
  void start_ready();

  s3::HttpEngine& engine_;
  int limit_;
  int running_ = 0;
  bool exhausted_ = false;
  std::deque<Task> queue_;
  Refill refill_;
  std::function<bool()> cancelled_;
  std::chrono::milliseconds grace_{0};
};

}  // namespace imgsync::transfer
