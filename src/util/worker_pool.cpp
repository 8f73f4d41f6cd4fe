#include "util/worker_pool.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace imgsync {

WorkerPool::WorkerPool(int threads, int nice) {
  for (int i = 0; i < (threads < 1 ? 1 : threads); ++i) {
    threads_.emplace_back([this, nice] { work(nice); });
  }
}

WorkerPool::~WorkerPool() {
  std::deque<Job> never_started;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    never_started.swap(jobs_);
  }
  ready_.notify_all();
  for (auto& thread : threads_) thread.join();
  for (auto& job : never_started) {
    if (job.dropped) job.dropped();
  }
}

void WorkerPool::submit(std::function<void()> job, std::function<void()> dropped) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back({std::move(job), std::move(dropped)});
  }
  ready_.notify_one();
}

void WorkerPool::work(int nice) {
  if (nice != 0) {
    // Relative to the niceness the thread was started with (imgsync itself may run under
    // `nice`), at most 19. Best effort: a thread that keeps its niceness still does its work.
    const auto thread = static_cast<id_t>(syscall(SYS_gettid));
    errno = 0;
    const int current = getpriority(PRIO_PROCESS, thread);
    if (errno == 0) (void)setpriority(PRIO_PROCESS, thread, std::min(current + nice, 19));
  }
  while (true) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job.run();
  }
}

}  // namespace imgsync
