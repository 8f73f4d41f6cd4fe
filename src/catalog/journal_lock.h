// One daemon per journal: `imgsync watch` holds an exclusive lock on <state_dir>/watch.lock for as
// long as it runs (flock: the kernel drops it when the process dies, kill -9 included), and the
// file names its holder (pid, host, start time), so a second daemon is refused with an error
// that says who holds it. `sync` and `enqueue` may run beside a daemon: the journal's
// transactions keep them consistent.
#pragma once

#include <filesystem>
#include <string>

#include "util/result.h"

namespace imgsync::catalog {

class JournalLock {
 public:
  // kConflict when another process holds it (the message names the holder and the fix);
  // kLocalIo when the lock file cannot be created.
  static Result<JournalLock> acquire(const std::filesystem::path& state_dir,
                                     const std::string& holder_command);
  JournalLock(JournalLock&& other) noexcept;
  JournalLock& operator=(JournalLock&& other) noexcept;
  JournalLock(const JournalLock&) = delete;
  JournalLock& operator=(const JournalLock&) = delete;
  ~JournalLock();

 private:
  explicit JournalLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace imgsync::catalog
