#include "watch/inotify_watcher.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace imgsync::watch {
namespace {

constexpr std::uint32_t kFolderMask =
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

bool hidden(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && name.front() == '.';
}

}  // namespace

Result<InotifyWatcher> InotifyWatcher::create() {
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    if (errno == EMFILE) {
      return make_error(ErrorCategory::kLocalIo,
                        "too many inotify instances (fs.inotify.max_user_instances); raise it with "
                        "'sysctl fs.inotify.max_user_instances=1024'");
    }
    return make_error(ErrorCategory::kLocalIo,
                      fmt::format("inotify is not available: {}", std::strerror(errno)));
  }
  return InotifyWatcher(fd);
}

InotifyWatcher::InotifyWatcher(InotifyWatcher&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      paths_(std::move(other.paths_)),
      recursive_(std::move(other.recursive_)) {}

InotifyWatcher::~InotifyWatcher() {
  if (fd_ >= 0) close(fd_);
}

Status InotifyWatcher::add_one(const std::filesystem::path& folder, bool recursive) {
  const int wd = inotify_add_watch(fd_, folder.c_str(), kFolderMask);
  if (wd < 0) {
    if (errno == ENOSPC) {
      return make_error(
          ErrorCategory::kLocalIo,
          fmt::format("cannot watch {}: the inotify watch limit is reached ({} folders watched "
                      "here); raise it with 'sudo sysctl fs.inotify.max_user_watches=524288' "
                      "(and in /etc/sysctl.d/ to keep it)",
                      folder.string(), paths_.size()));
    }
    return make_error(ErrorCategory::kLocalIo,
                      fmt::format("cannot watch {}: {}", folder.string(), std::strerror(errno)));
  }
  paths_[wd] = folder;
  recursive_[wd] = recursive;
  return {};
}

Status InotifyWatcher::add_tree(const std::filesystem::path& root) {
  std::error_code error;
  if (!std::filesystem::is_directory(root, error)) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("cannot watch {}: not a folder", root.string()));
  }
  if (Status ok = add_one(root, true); !ok.ok()) return ok;
  std::filesystem::recursive_directory_iterator walker(
      root, std::filesystem::directory_options::skip_permission_denied, error);
  for (auto it = walker; !error && it != std::filesystem::recursive_directory_iterator();
       it.increment(error)) {
    if (!it->is_directory(error)) continue;
    if (hidden(it->path())) {
      it.disable_recursion_pending();
      continue;
    }
    if (Status ok = add_one(it->path(), true); !ok.ok()) return ok;
  }
  return {};
}

Status InotifyWatcher::add_folder(const std::filesystem::path& folder) {
  return add_one(folder, false);
}

void InotifyWatcher::report_existing(const std::filesystem::path& folder,
                                     std::vector<WatchEvent>& events) {
  std::error_code error;
  std::filesystem::recursive_directory_iterator walker(
      folder, std::filesystem::directory_options::skip_permission_denied, error);
  for (auto it = walker; !error && it != std::filesystem::recursive_directory_iterator();
       it.increment(error)) {
    if (it->is_directory(error)) {
      if (hidden(it->path())) {
        it.disable_recursion_pending();
      } else {
        (void)add_one(it->path(), true);
      }
    } else if (it->is_regular_file(error)) {
      events.push_back({WatchEvent::Kind::kFileReady, it->path()});
    }
  }
}

Status InotifyWatcher::read_events(std::vector<WatchEvent>& events) {
  alignas(inotify_event) char buffer[64 * 1024];
  for (;;) {
    const ssize_t got = read(fd_, buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return {};
      return make_error(ErrorCategory::kLocalIo,
                        fmt::format("reading inotify events failed: {}", std::strerror(errno)));
    }
    if (got == 0) return {};
    for (char* at = buffer; at < buffer + got;) {
      const auto* event = reinterpret_cast<const inotify_event*>(at);
      at += sizeof(inotify_event) + event->len;
      if (event->mask & IN_Q_OVERFLOW) {
        events.push_back({WatchEvent::Kind::kOverflow, {}});
        continue;
      }
      auto folder = paths_.find(event->wd);
      if (folder == paths_.end()) continue;
      if (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
        events.push_back({WatchEvent::Kind::kRootGone, folder->second});
        continue;
      }
      if (event->mask & IN_IGNORED) {
        paths_.erase(folder);
        continue;
      }
      if (event->len == 0) continue;
      const std::filesystem::path path = folder->second / event->name;
      if (event->mask & IN_ISDIR) {
        if ((event->mask & (IN_CREATE | IN_MOVED_TO)) && recursive_[event->wd] && !hidden(path)) {
          // A new folder: watch it, then report what it already holds (written or moved in
          // before the watch existed).
          if (Status ok = add_one(path, true); !ok.ok()) return ok;
          report_existing(path, events);
        }
        continue;
      }
      if (event->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
        events.push_back({WatchEvent::Kind::kFileReady, path});
      }
    }
  }
}

}  // namespace imgsync::watch
