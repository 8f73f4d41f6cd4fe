// The doctor's checks of this machine: the state directory and the inotify watch limit.
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "app/doctor_service.h"
#include "util/byte_size.h"

namespace imgsync::app {
namespace {

namespace fs = std::filesystem;

DoctorCheck local(std::string name, CheckStatus status, std::string detail, std::string fix = {}) {
  return {.name = std::move(name),
          .status = status,
          .detail = std::move(detail),
          .fix = std::move(fix),
          .area = CheckArea::kLocal};
}

// The nearest directory that exists: the state directory itself, or where it would be created.
fs::path existing_ancestor(fs::path path) {
  std::error_code error;
  while (!path.empty() && !fs::exists(path, error)) {
    if (!path.has_parent_path() || path.parent_path() == path) break;
    path = path.parent_path();
  }
  return path;
}

// Creates and removes a file in `directory`: the one test that root, read-only mounts and ACLs
// cannot fool. Empty when it worked, else why not.
std::string write_probe(const fs::path& directory) {
  std::string pattern = (directory / ".imgsync-doctor-XXXXXX").string();
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) return std::strerror(errno);
  ::close(fd);
  ::unlink(pattern.c_str());
  return {};
}

std::string command_line_of(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/cmdline", pid), std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (char& c : text) {
    if (c == '\0') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text.empty() ? "?" : text;
}

// SQLite in WAL mode holds POSIX locks in the -shm file while a connection is open (bytes 120 to
// 135: the writer and reader locks, and 128 for as long as it is connected). F_GETLK names the
// process holding one.
std::optional<pid_t> journal_user(const fs::path& state_dir) {
  const fs::path shm = state_dir / "journal.sqlite-shm";
  const int fd = ::open(shm.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct flock probe {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  probe.l_start = 120;
  probe.l_len = 16;
  std::optional<pid_t> holder;
  if (::fcntl(fd, F_GETLK, &probe) == 0 && probe.l_type != F_UNLCK) holder = probe.l_pid;
  ::close(fd);
  return holder;
}

// The daemon named in watch.lock (catalog/journal_lock.h) while it still runs here; the file
// stays behind a daemon that ended, so its pid is checked.
std::optional<std::string> watching_daemon(const fs::path& state_dir) {
  std::ifstream in(state_dir / "watch.lock");
  std::string text;
  std::getline(in, text);
  const auto at = text.find("(pid ");
  if (at == std::string::npos) return std::nullopt;
  const long pid = std::atol(text.c_str() + at + 5);
  if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM)) return std::nullopt;
  return text;
}

}  // namespace

DoctorCheck check_state_dir(const fs::path& state_dir, std::uint64_t low_free_space_bytes) {
  const fs::path existing = existing_ancestor(state_dir);
  std::error_code error;
  if (existing.empty() || !fs::is_directory(existing, error)) {
    return local("state", CheckStatus::kFail,
                 fmt::format("{} cannot be created: {} is not a directory", state_dir.string(),
                             existing.string()),
                 "pass --state-dir DIR (or state_dir in imgsync.toml) naming a directory you own");
  }
  if (const std::string why = write_probe(existing); !why.empty()) {
    return local("state", CheckStatus::kFail,
                 fmt::format("{} is not writable: {}", existing.string(), why),
                 fmt::format("make it writable (chown or chmod u+w {}), or pass --state-dir DIR",
                             existing.string()));
  }
  struct statvfs space {};
  if (::statvfs(existing.c_str(), &space) == 0) {
    const std::uint64_t free_bytes =
        static_cast<std::uint64_t>(space.f_bavail) * static_cast<std::uint64_t>(space.f_frsize);
    if (free_bytes < low_free_space_bytes) {
      return local("state", CheckStatus::kWarn,
                   fmt::format("{}: only {} free", existing.string(), format_byte_size(free_bytes)),
                   "free some space there: the journal and the index grow with the archive");
    }
  }
  const std::string where = existing == state_dir
                                ? state_dir.string() + " writable"
                                : state_dir.string() + " will be created (its parent is writable)";
  const auto daemon = watching_daemon(state_dir);
  const std::string watched = daemon ? "; watched by " + *daemon : "";
  if (auto pid = journal_user(state_dir)) {
    return local("state", CheckStatus::kOk,
                 fmt::format("{}; the journal is in use by pid {} ({}){}", where, *pid,
                             command_line_of(*pid), watched));
  }
  if (daemon) return local("state", CheckStatus::kOk, where + watched);
  return local("state", CheckStatus::kOk, where + "; no other imgsync is using it");
}

DoctorCheck check_inotify(const std::vector<fs::path>& folders, const fs::path& watches_file) {
  if (folders.empty()) {
    return local("inotify", CheckStatus::kOk,
                 "no folders to watch given (imgsync.toml's [[source]] or doctor FOLDER...)");
  }
  std::ifstream in(watches_file);
  long long limit = 0;
  if (!(in >> limit) || limit <= 0) {
    return local("inotify", CheckStatus::kWarn,
                 fmt::format("cannot read the watch limit from {}", watches_file.string()),
                 "imgsync watch needs inotify (Linux); check that /proc is mounted");
  }
  // One watch per folder; counting stops well past the limit.
  long long folder_count = 0;
  for (const auto& folder : folders) {
    std::error_code error;
    if (!fs::is_directory(folder, error)) {
      return local("inotify", CheckStatus::kFail,
                   fmt::format("{} is not a folder", folder.string()),
                   "create it, or correct the path in imgsync.toml's [[source]]");
    }
    ++folder_count;
    for (fs::recursive_directory_iterator
             it(folder, fs::directory_options::skip_permission_denied, error),
         end;
         !error && it != end && folder_count <= 2 * limit; it.increment(error)) {
      if (it->is_directory(error)) ++folder_count;
    }
  }
  const std::string fix = fmt::format(
      "raise it: sudo sysctl fs.inotify.max_user_watches={0} and keep it with echo "
      "fs.inotify.max_user_watches={0} | sudo tee /etc/sysctl.d/90-imgsync.conf",
      std::max<long long>(524288, folder_count * 2));
  const std::string detail =
      fmt::format("{} folders to watch; the limit is {} watches per user", folder_count, limit);
  if (folder_count > limit) {
    return local("inotify", CheckStatus::kFail, detail + ": imgsync watch cannot watch them all",
                 fix);
  }
  if (folder_count * 2 > limit) {
    return local("inotify", CheckStatus::kWarn, detail + " (other programs share the limit)", fix);
  }
  return local("inotify", CheckStatus::kOk, detail);
}

}  // namespace imgsync::app
