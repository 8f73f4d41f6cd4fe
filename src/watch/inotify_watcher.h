// Recursive inotify on the source folders. Reports files closed after writing or moved in, and
// the creation of sub-folders (watched at once, and their existing files reported, so a folder
// moved in whole or filled before its watch existed loses nothing). A kernel queue overflow is
// reported as such: the caller rescans.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "util/result.h"

namespace imgsync::watch {

struct WatchEvent {
  enum class Kind { kFileReady, kOverflow, kRootGone };
  Kind kind = Kind::kFileReady;
  std::filesystem::path path;  // the file (kFileReady) or the root that vanished
};

class InotifyWatcher {
 public:
  static Result<InotifyWatcher> create();
  InotifyWatcher(InotifyWatcher&& other) noexcept;
  InotifyWatcher& operator=(InotifyWatcher&&) = delete;
  ~InotifyWatcher();

  // Watches `root` and every folder below it (except hidden ones). ENOSPC (the per-user watch
  // limit) is an error that names the sysctl to raise. Files already present are not reported.
  Status add_tree(const std::filesystem::path& root);
  // Watches one folder (not recursively), e.g. the state directory for enqueue notices.
  Status add_folder(const std::filesystem::path& folder);

  int fd() const { return fd_; }
  // Reads what the kernel has queued (non-blocking) and appends the events.
  Status read_events(std::vector<WatchEvent>& events);
  std::size_t watch_count() const { return paths_.size(); }

 private:
  explicit InotifyWatcher(int fd) : fd_(fd) {}
  Status add_one(const std::filesystem::path& folder, bool recursive);
  void report_existing(const std::filesystem::path& folder, std::vector<WatchEvent>& events);

  int fd_ = -1;
  std::map<int, std::filesystem::path> paths_;  // watch descriptor -> folder
  std::map<int, bool> recursive_;
};

}  // namespace imgsync::watch
