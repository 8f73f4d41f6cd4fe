#include "catalog/journal_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

namespace imgsync::catalog {
namespace {

std::string holder_text(const std::string& command) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "?");
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char since[32] = {};
  std::strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return fmt::format("{} (pid {} on {}, since {})\n", command, getpid(), host, since);
}

std::string read_holder(int fd) {
  char buffer[512] = {};
  const ssize_t got = pread(fd, buffer, sizeof buffer - 1, 0);
  std::string text = got > 0 ? std::string(buffer, static_cast<std::size_t>(got)) : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  return text.empty() ? "another process" : text;
}

}  // namespace

Result<JournalLock> JournalLock::acquire(const std::filesystem::path& state_dir,
                                         const std::string& holder_command) {
  const auto path = state_dir / "watch.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return make_error(ErrorCategory::kLocalIo, fmt::format("cannot create the lock file {}: {}",
                                                           path.string(), std::strerror(errno)));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const std::string holder = read_holder(fd);
    ::close(fd);
    return make_error(ErrorCategory::kConflict,
                      fmt::format("the journal in {} is already watched by {}; two daemons on "
                                  "one journal would upload the same files. Stop that one first, "
                                  "or give this one another --state-dir",
                                  state_dir.string(), holder));
  }
  const std::string text = holder_text(holder_command);
  if (ftruncate(fd, 0) != 0 || pwrite(fd, text.data(), text.size(), 0) < 0) {
    // The lock holds without its description; the refusal then names "another process".
  }
  return JournalLock(fd);
}

JournalLock::JournalLock(JournalLock&& other) noexcept : fd_(other.fd_) {
  other.fd_ = -1;
}

JournalLock& JournalLock::operator=(JournalLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

JournalLock::~JournalLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace imgsync::catalog
