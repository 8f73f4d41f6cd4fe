// A fixed set of threads running jobs in the order they were submitted. CPU work that must not
// stall the transfer loop (thumbnails) runs here; a job hands its result back to the loop itself
// (s3::HttpEngine::post). Destroying the pool waits for the running jobs and calls `dropped` of
// each job not yet started instead (so a caller that counts its jobs hears of every one).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace imgsync {

class WorkerPool {
 public:
  // `nice`: added to the threads' scheduling niceness (Linux, per thread; at most 19): background
  // work such as thumbnails runs at a higher one, so it takes only the CPU the transfer loop
  // leaves.
  explicit WorkerPool(int threads, int nice = 0);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void submit(std::function<void()> job, std::function<void()> dropped = {});

 private:
  void work(int nice);

  std::mutex mutex_;
  std::condition_variable ready_;
  struct Job {
    std::function<void()> run;
    std::function<void()> dropped;
  };
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace imgsync
