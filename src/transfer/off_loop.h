// Work for other threads whose results come back to the transfer loop: CPU work (thumbnails,
// hashing a large file) runs on a WorkerPool, and its result is handed to the loop thread
// (HttpEngine::post), which a TaskQueue run waits for (HttpEngine::hold). Destroying an OffLoop
// waits for the work running on its threads; results not yet delivered are dropped, and the
// loop's holds are released either way.
#pragma once

#include <functional>
#include <memory>

#include "s3/http_engine.h"
#include "transfer/task_queue.h"
#include "util/worker_pool.h"

namespace imgsync::transfer {

class OffLoop {
 public:
  // `nice`: the worker threads' niceness (background work takes only the CPU the loop leaves).
  OffLoop(s3::HttpEngine& engine, int threads, int nice = 0)
      : engine_(engine), pool_(threads, nice) {}
  ~OffLoop() { *alive_ = false; }  // then pool_ goes: it waits for the running work
  OffLoop(const OffLoop&) = delete;
  OffLoop& operator=(const OffLoop&) = delete;

  // `work` runs on a worker thread; `then(result)` on the loop thread, while this exists.
  template <typename T>
  void run(std::function<T()> work, std::function<void(T)> then) {
    engine_.hold();
    s3::HttpEngine& engine = engine_;
    pool_.submit(
        [&engine, alive = alive_, work = std::move(work), then = std::move(then)]() mutable {
          auto result = std::make_shared<T>(work());
          engine.post([alive, result, then = std::move(then)] {
            if (*alive) then(std::move(*result));
          });
        },
        [&engine] { engine.post([] {}); });
  }

  // The same as a task of `queue`: it holds one of the queue's slots until `then` ran.
  template <typename T>
  void run_as_task(TaskQueue& queue, std::function<T()> work, std::function<void(T)> then) {
    queue.push([this, work = std::move(work),
                then = std::move(then)](TaskQueue::Finished finished) mutable {
      run<T>(std::move(work), [finished, then = std::move(then)](T result) {
        finished();
        then(std::move(result));
      });
    });
  }

 private:
  s3::HttpEngine& engine_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  WorkerPool pool_;  // last: destroyed first, while engine_ and alive_ still exist
};

}  // namespace imgsync::transfer
