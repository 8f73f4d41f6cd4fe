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

  void stop(Worker& worker, bool kill) {
    if (worker.fd >= 0) ::close(worker.fd);
    if (kill) ::kill(worker.pid, SIGKILL);
    int status = 0;
    while (::waitpid(worker.pid, &status, 0) < 0 && errno == EINTR) {
    }
    worker.fd = -1;
    worker.pid = -1;
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

struct Run {
  const std::vector<std::filesystem::path>& files;
  std::vector<std::optional<ExtractionOutcome>> results;
  std::deque<std::size_t> retry = {};  // requests of a replaced worker that it had not started
  std::size_t next_to_send = 0;
  std::size_t next_to_emit = 0;

  std::optional<std::size_t> next_request() {
    if (!retry.empty()) {
      const std::size_t index = retry.front();
      retry.pop_front();
      return index;
    }
    if (next_to_send < files.size()) return next_to_send++;
    return std::nullopt;
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

std::string signal_text(int status) {
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  return "unknown status";
}

}  // namespace

void MetadataWorkerPool::extract_all(const std::vector<std::filesystem::path>& files,
                                     const MetadataCallback& on_result) {
  State& state = *state_;
  Run run{.files = files, .results = std::vector<std::optional<ExtractionOutcome>>(files.size())};

  // The worker's oldest request fails with `reason`; the others are sent again elsewhere; a new
  // worker takes its place.
  auto replace = [&](Worker& worker, bool kill, const std::string& reason) {
    const std::size_t failed = worker.in_flight.front();
    worker.in_flight.pop_front();
    run.retry.insert(run.retry.begin(), worker.in_flight.begin(), worker.in_flight.end());
    worker.in_flight.clear();
    int status = 0;
    if (worker.fd >= 0) ::close(worker.fd);
    if (kill) ::kill(worker.pid, SIGKILL);
    while (::waitpid(worker.pid, &status, 0) < 0 && errno == EINTR) {
    }
    const std::string why = kill ? reason : reason + " (" + signal_text(status) + ")";
    run.results[failed] = state.failed_outcome(files[failed], why);
    worker = Worker{};
    if (!state.spawn(worker).ok()) worker = Worker{};  // retried at the next dispatch
  };

  auto dispatch = [&](Worker& worker) {
    if (worker.pid <= 0 && !state.spawn(worker).ok()) return;
    while (worker.in_flight.size() < kInFlightPerWorker) {
      const auto index = run.next_request();
      if (!index) return;
      if (worker.in_flight.empty()) worker.head_started = Clock::now();
      worker.in_flight.push_back(*index);
      if (!write_message(worker.fd, files[*index].string())) {
        // The worker died on the request before this one (the oldest), which is blamed; one
        // that died idle blames nobody: its only request goes to the next worker.
        if (worker.in_flight.size() == 1) {
          worker.in_flight.clear();
          run.retry.push_front(*index);
          state.stop(worker, true);
          worker = Worker{};
        } else {
          replace(worker, false, kCrashed);
        }
        return;
      }
    }
  };

  auto collect = [&](Worker& worker) {
    const auto message = read_message(worker.fd);
    if (!message) return replace(worker, false, kCrashed);
    auto outcome = decode_outcome(*message);
    const std::size_t index = worker.in_flight.front();
    worker.in_flight.pop_front();
    worker.head_started = Clock::now();
    run.results[index] = outcome.ok() ? std::move(*outcome)
                                      : state.failed_outcome(files[index], outcome.error().message);
  };

  std::vector<pollfd> polled;
  std::vector<Worker*> polled_workers;
  while (run.next_to_emit < files.size()) {
    for (Worker& worker : state.workers) dispatch(worker);
    polled.clear();
    polled_workers.clear();
    auto timeout = state.options.per_file_limit;
    const auto now = Clock::now();
    for (Worker& worker : state.workers) {
      if (worker.in_flight.empty()) continue;
      polled.push_back({.fd = worker.fd, .events = POLLIN, .revents = 0});
      polled_workers.push_back(&worker);
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          worker.head_started + state.options.per_file_limit - now);
      timeout = std::min(timeout, std::max(left, std::chrono::milliseconds(0)));
    }
    if (polled.empty()) {
      // No worker could be started: the rest fail here rather than spin.
      for (std::size_t i = run.next_to_emit; i < files.size(); ++i) {
        if (!run.results[i])
          run.results[i] = state.failed_outcome(files[i], "no metadata reader could be started");
      }
    } else if (::poll(polled.data(), polled.size(), static_cast<int>(timeout.count())) < 0 &&
               errno != EINTR) {
      for (Worker* worker : polled_workers) replace(*worker, true, "poll failed");
    }
    for (std::size_t i = 0; i < polled.size(); ++i) {
      Worker& worker = *polled_workers[i];
      if ((polled[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        collect(worker);
      } else if (Clock::now() - worker.head_started >= state.options.per_file_limit) {
        const auto seconds =
            std::chrono::duration_cast<std::chrono::seconds>(state.options.per_file_limit).count();
        replace(worker, true,
                "reading the metadata took longer than " + std::to_string(seconds) + " s");
      }
    }
    while (run.next_to_emit < files.size() && run.results[run.next_to_emit]) {
      ExtractionOutcome& outcome = *run.results[run.next_to_emit];
      on_result(run.next_to_emit, std::move(outcome.metadata), outcome.digests);
      run.results[run.next_to_emit].reset();
      ++run.next_to_emit;
    }
  }
}

}  // namespace imgsync::media
