// Where the metadata workers come from: a small process of its own (forked once, while the caller
// is still single-threaded) forks each worker on request and hands back its pid and socket. A
// long-lived process with many threads (the watch daemon, sync's transfer threads) can so replace
// a worker that crashed without forking itself: a child of a threaded process inherits the locks
// other threads held (malloc's, a library's) and may deadlock on the first one. Internal to media/.
//
// The spawner dies with the process that started it, and the workers with the spawner
// (PR_SET_PDEATHSIG); both ignore SIGINT, SIGTERM and SIGHUP: the owning process decides what a
// signal means, and a service manager's stop signal to the whole group must not kill a read.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <mutex>

#include "util/result.h"

namespace imgsync::media {

struct SpawnedWorker {
  pid_t pid = -1;
  int fd = -1;  // this process's end of the worker's socket (close-on-exec)
};

class WorkerSpawner {
 public:
  // `worker_main(fd)` runs in each new worker with its end of the socket; it must not return
  // (it ends with _exit). kLocalIo when the spawner process cannot be started.
  static Result<std::unique_ptr<WorkerSpawner>> start(std::function<void(int fd)> worker_main);
  ~WorkerSpawner();  // the spawner exits; workers still running die with it
  WorkerSpawner(const WorkerSpawner&) = delete;
  WorkerSpawner& operator=(const WorkerSpawner&) = delete;

  // A new worker; kLocalIo when it cannot be forked. Any thread may call it.
  Result<SpawnedWorker> spawn();
  // Waits for the worker to end (close its socket or kill it first) and returns its wait
  // status. Any thread may call it.
  int reap(pid_t pid);

 private:
  WorkerSpawner(pid_t pid, int control) : pid_(pid), control_(control) {}
  std::mutex mutex_;  // one request and its answer at a time on the control socket
  pid_t pid_;
  int control_;
};

// SIGINT, SIGTERM and SIGHUP ignored, and SIGKILL when the parent ends; false when the parent
// is already gone (the caller then exits).
bool detach_from_signals(pid_t expected_parent);

}  // namespace imgsync::media
