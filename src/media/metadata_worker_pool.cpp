#include "media/metadata_worker_pool.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <thread>

#include "media/exiv2_runtime.h"
#include "media/metadata_codec.h"
#include "media/metadata_extractor.h"

namespace imgsync::media {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kCrashed = "the metadata reader crashed on this file";

// Requests a worker holds at once: one being read, one waiting, so it never idles on a round trip.
constexpr std::size_t kInFlightPerWorker = 2;

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data += sent;
    size -= static_cast<std::size_t>(sent);
  }
  return true;
}

bool read_all(int fd, char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t got = ::read(fd, data, size);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    data += got;
    size -= static_cast<std::size_t>(got);
  }
  return true;
}

// A message is a 32-bit length (this machine's byte order: both ends are this program) + bytes.
bool write_message(int fd, const std::string& payload) {
  const auto length = static_cast<std::uint32_t>(payload.size());
  return write_all(fd, reinterpret_cast<const char*>(&length), sizeof length) &&
         write_all(fd, payload.data(), payload.size());
}

std::optional<std::string> read_message(int fd) {
  std::uint32_t length = 0;
  if (!read_all(fd, reinterpret_cast<char*>(&length), sizeof length)) return std::nullopt;
  std::string payload(length, '\0');
  if (!read_all(fd, payload.data(), payload.size())) return std::nullopt;
  return payload;
}

ExtractionOutcome extract_here(const std::filesystem::path& file,
                               const MetadataPoolOptions& options) {
  if (options.before_read) options.before_read(file);
  ExtractionOutcome outcome;
  FileDigests* digests = options.with_md5 ? &outcome.digests : nullptr;
  outcome.metadata = options.mode == ExtractionMode::kStrict
                         ? extract_metadata(file, digests)
                         : extract_archivable_metadata(file, digests);
  return outcome;
}

[[noreturn]] void worker_main(int fd, const MetadataPoolOptions& options) {
  ::signal(SIGINT, SIG_IGN);  // the parent decides what an interrupt means
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  while (auto request = read_message(fd)) {
    if (!write_message(fd, encode_outcome(extract_here(*request, options)))) break;
  }
  ::_exit(0);  // no atexit handlers, no stdio flush of the parent's buffers
}

struct Worker {
  pid_t pid = -1;
  int fd = -1;
  std::deque<std::size_t> in_flight = {};  // file indices, oldest (being read) first
  Clock::time_point head_started{};
};

}  // namespace

struct MetadataWorkerPool::State {
  MetadataPoolOptions options;
  std::vector<Worker> workers;

  Status spawn(Worker& worker) {
    int sockets[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) {
      return make_error(ErrorCategory::kLocalIo,
                        std::string("cannot start a metadata worker: ") + std::strerror(errno));
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
      ::close(sockets[0]);
      ::close(sockets[1]);
      return make_error(ErrorCategory::kLocalIo,
                        std::string("cannot start a metadata worker: ") + std::strerror(errno));
    }
    if (pid == 0) {
      ::close(sockets[0]);
      for (const Worker& other : workers) {
        if (other.fd >= 0) ::close(other.fd);
      }
      worker_main(sockets[1], options);
    }
    ::close(sockets[1]);
    worker = Worker{.pid = pid, .fd = sockets[0]};
    return Status::success();
  }

  // Closes the worker's socket (an idle worker then exits), kills it when asked, reaps it;
  // returns its wait status.
  int stop(Worker& worker, bool kill) {
    if (worker.fd >= 0) ::close(worker.fd);
    if (kill) ::kill(worker.pid, SIGKILL);
    int status = 0;
    while (::waitpid(worker.pid, &status, 0) < 0 && errno == EINTR) {
    }
    worker.fd = -1;
    worker.pid = -1;
    return status;
  }

  // What a file gets when its worker crashed or ran over the limit.
  ExtractionOutcome failed_outcome(const std::filesystem::path& file, const std::string& reason) {
    ExtractionOutcome outcome;
    if (options.mode == ExtractionMode::kStrict) {
      outcome.metadata = make_error(ErrorCategory::kInvalidInput, file.string() + ": " + reason);
    } else {
      outcome.metadata =
          basic_file_metadata(file, options.with_md5 ? &outcome.digests : nullptr, reason);
    }
    return outcome;
  }
};

MetadataWorkerPool::MetadataWorkerPool(std::unique_ptr<State> state) : state_(std::move(state)) {}

MetadataWorkerPool::~MetadataWorkerPool() {
  for (Worker& worker : state_->workers) {
    if (worker.pid > 0) state_->stop(worker, !worker.in_flight.empty());
  }
}

Result<std::unique_ptr<MetadataWorkerPool>> MetadataWorkerPool::start(
    const MetadataPoolOptions& options) {
  initialize_exiv2();  // once, here: the workers inherit it
  auto state = std::make_unique<State>();
  state->options = options;
  int count =
      options.workers > 0 ? options.workers : static_cast<int>(std::thread::hardware_concurrency());
  count = std::max(count, 1);
  state->workers.resize(static_cast<std::size_t>(count));
  for (Worker& worker : state->workers) {
    if (Status status = state->spawn(worker); !status.ok()) {
      for (Worker& started : state->workers) {
        if (started.pid > 0) state->stop(started, false);
      }
      return status.error();
    }
  }
  return std::unique_ptr<MetadataWorkerPool>(new MetadataWorkerPool(std::move(state)));
}

int MetadataWorkerPool::workers() const {
  return static_cast<int>(state_->workers.size());
}

namespace {

std::string status_text(int status) {
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  return "unknown status";
}

}  // namespace

// One extract_all call: hands files to the workers, collects and orders their results, replaces
// workers that crash or hang.
class PoolRun {
 public:
  PoolRun(MetadataWorkerPool::State& state, const std::vector<std::filesystem::path>& files)
      : state_(state), files_(files), results_(files.size()) {}

  void run(const MetadataCallback& on_result) {
    while (next_to_emit_ < files_.size()) {
      for (Worker& worker : state_.workers) dispatch(worker);
      wait_and_collect();
      while (next_to_emit_ < files_.size() && results_[next_to_emit_]) {
        ExtractionOutcome& outcome = *results_[next_to_emit_];
        on_result(next_to_emit_, std::move(outcome.metadata), outcome.digests);
        results_[next_to_emit_].reset();
        ++next_to_emit_;
      }
    }
  }

 private:
  std::optional<std::size_t> next_request() {
    if (!retry_.empty()) {
      const std::size_t index = retry_.front();
      retry_.pop_front();
      return index;
    }
    if (next_to_send_ < files_.size()) return next_to_send_++;
    return std::nullopt;
  }

  void dispatch(Worker& worker) {
    if (worker.pid <= 0 && !state_.spawn(worker).ok()) return;
    while (worker.in_flight.size() < kInFlightPerWorker) {
      const auto index = next_request();
      if (!index) return;
      if (worker.in_flight.empty()) worker.head_started = Clock::now();
      worker.in_flight.push_back(*index);
      if (write_message(worker.fd, files_[*index].string())) continue;
      // The worker died on the request before this one (the oldest), which is blamed; one that
      // died idle blames nobody: its only request goes to the next worker.
      if (worker.in_flight.size() == 1) {
        worker.in_flight.clear();
        retry_.push_front(*index);
        state_.stop(worker, true);
        worker = Worker{};
      } else {
        replace(worker, false, kCrashed);
      }
      return;
    }
  }

  // The worker's oldest request fails with `reason`; the others go to the next workers; a new
  // worker takes its place.
  void replace(Worker& worker, bool kill, const std::string& reason) {
    const std::size_t failed = worker.in_flight.front();
    worker.in_flight.pop_front();
    retry_.insert(retry_.begin(), worker.in_flight.begin(), worker.in_flight.end());
    worker.in_flight.clear();
    const int status = state_.stop(worker, kill);
    const std::string why = kill ? reason : reason + " (" + status_text(status) + ")";
    results_[failed] = state_.failed_outcome(files_[failed], why);
    worker = Worker{};
    if (!state_.spawn(worker).ok()) worker = Worker{};  // tried again at the next dispatch
  }

  void collect(Worker& worker) {
    const auto message = read_message(worker.fd);
    if (!message) return replace(worker, false, kCrashed);
    auto outcome = decode_outcome(*message);
    const std::size_t index = worker.in_flight.front();
    worker.in_flight.pop_front();
    worker.head_started = Clock::now();
    results_[index] = outcome.ok() ? std::move(*outcome)
                                   : state_.failed_outcome(files_[index], outcome.error().message);
  }

  // Waits until a worker answers or the oldest request runs over the limit, then handles both.
  void wait_and_collect() {
    std::vector<pollfd> polled;
    std::vector<Worker*> owners;
    const auto limit = state_.options.per_file_limit;
    auto timeout = limit;
    const auto now = Clock::now();
    for (Worker& worker : state_.workers) {
      if (worker.in_flight.empty()) continue;
      polled.push_back({.fd = worker.fd, .events = POLLIN, .revents = 0});
      owners.push_back(&worker);
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(worker.head_started + limit - now);
      timeout = std::min(timeout, std::max(left, std::chrono::milliseconds(0)));
    }
    if (polled.empty()) {  // no worker could be started: the rest fail here rather than spin
      for (std::size_t i = next_to_emit_; i < files_.size(); ++i) {
        if (!results_[i]) {
          results_[i] = state_.failed_outcome(files_[i], "no metadata reader could be started");
        }
      }
      return;
    }
    if (::poll(polled.data(), polled.size(), static_cast<int>(timeout.count())) < 0) return;
    for (std::size_t i = 0; i < polled.size(); ++i) {
      Worker& worker = *owners[i];
      if ((polled[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        collect(worker);
      } else if (Clock::now() - worker.head_started >= limit) {
        const auto seconds = std::chrono::duration<double>(limit).count();
        replace(worker, true,
                "reading the metadata took longer than " + fmt_seconds(seconds) + " s");
      }
    }
  }

  static std::string fmt_seconds(double seconds) {
    std::string text = std::to_string(seconds);
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
    return text;
  }

  MetadataWorkerPool::State& state_;
  const std::vector<std::filesystem::path>& files_;
  std::vector<std::optional<ExtractionOutcome>> results_;
  std::deque<std::size_t> retry_;  // requests of a replaced worker that it had not started
  std::size_t next_to_send_ = 0;
  std::size_t next_to_emit_ = 0;
};

void MetadataWorkerPool::extract_all(const std::vector<std::filesystem::path>& files,
                                     const MetadataCallback& on_result) {
  PoolRun(*state_, files).run(on_result);
}

}  // namespace imgsync::media
