#include "media/metadata_worker_pool.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "media/exiv2_runtime.h"
#include "media/metadata_codec.h"
#include "media/metadata_extractor.h"
#include "media/worker_spawner.h"

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

// A request: the file, and the digests its reader already has (the worker then does not hash it).
struct Request {
  std::filesystem::path file;
  std::optional<FileDigests> known;
};

// 'P' + path, or 'K' + the digests' bytes + path (both ends are this program).
std::string encode_request(const std::filesystem::path& file, const FileDigests* known) {
  std::string payload(1, known != nullptr ? 'K' : 'P');
  if (known != nullptr) payload.append(reinterpret_cast<const char*>(known), sizeof *known);
  return payload + file.string();
}

Request decode_request(const std::string& payload) {
  Request request;
  if (!payload.empty() && payload[0] == 'K' && payload.size() > sizeof(FileDigests)) {
    FileDigests known;
    std::memcpy(&known, payload.data() + 1, sizeof known);
    request.known = known;
    request.file = payload.substr(1 + sizeof known);
  } else {
    request.file = payload.empty() ? std::string() : payload.substr(1);
  }
  return request;
}

ExtractionOutcome extract_here(const Request& request, const MetadataPoolOptions& options) {
  if (options.before_read) options.before_read(request.file);
  ExtractionOutcome outcome;
  if (request.known) {  // archivable reads only (extract_one says so)
    outcome.digests = *request.known;
    outcome.metadata = extract_archivable_metadata(request.file, *request.known);
    return outcome;
  }
  FileDigests* digests = options.with_md5 ? &outcome.digests : nullptr;
  outcome.metadata = options.mode == ExtractionMode::kStrict
                         ? extract_metadata(request.file, digests)
                         : extract_archivable_metadata(request.file, digests);
  return outcome;
}

// Runs in a worker process (its signals are set by the spawner): reads until the socket closes.
[[noreturn]] void worker_main(int fd, const MetadataPoolOptions& options) {
  while (auto request = read_message(fd)) {
    const auto outcome = extract_here(decode_request(*request), options);
    if (!write_message(fd, encode_outcome(outcome))) break;
  }
  ::_exit(0);  // no atexit handlers, no stdio flush of the parent's buffers
}

std::string status_text(int status) {
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  return "unknown status";
}

std::string overtime_reason(std::chrono::milliseconds limit) {
  std::string text = std::to_string(std::chrono::duration<double>(limit).count());
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  return "reading the metadata took longer than " + text + " s";
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
  std::unique_ptr<WorkerSpawner> spawner;
  std::vector<Worker> workers;

  // extract_one: which workers a thread has taken (an index each), and the wait for a free one.
  std::mutex mutex;
  std::condition_variable freed;
  std::vector<bool> taken;
  std::size_t next_turn = 0;

  Status spawn(Worker& worker) {
    auto spawned = spawner->spawn();
    if (!spawned.ok()) return spawned.error();
    worker = Worker{.pid = spawned->pid, .fd = spawned->fd};
    return Status::success();
  }

  // Closes the worker's socket (an idle worker then exits), kills it when asked, reaps it;
  // returns its wait status.
  int stop(Worker& worker, bool kill) {
    if (worker.fd >= 0) ::close(worker.fd);
    if (kill) ::kill(worker.pid, SIGKILL);
    const int status = spawner->reap(worker.pid);
    worker.fd = -1;
    worker.pid = -1;
    return status;
  }

  // What a file gets when its worker crashed or ran over the limit.
  ExtractionOutcome failed_outcome(const std::filesystem::path& file, const std::string& reason,
                                   const FileDigests* known = nullptr) {
    ExtractionOutcome outcome;
    if (options.mode == ExtractionMode::kStrict) {
      outcome.metadata = make_error(ErrorCategory::kInvalidInput, file.string() + ": " + reason);
    } else if (known != nullptr) {
      outcome.digests = *known;
      outcome.metadata = basic_file_metadata(file, *known, reason);
    } else {
      outcome.metadata =
          basic_file_metadata(file, options.with_md5 ? &outcome.digests : nullptr, reason);
    }
    return outcome;
  }

  // A free worker, taken in turn (so each is used, and one that died is found and replaced
  // soon, even when files come one at a time).
  std::size_t take_worker() {
    std::unique_lock lock(mutex);
    std::size_t index = 0;
    freed.wait(lock, [&] {
      for (std::size_t i = 0; i < taken.size(); ++i) {
        index = (next_turn + i) % taken.size();
        if (!taken[index]) return true;
      }
      return false;
    });
    taken[index] = true;
    next_turn = index + 1;
    return index;
  }

  void give_back(std::size_t index) {
    {
      std::lock_guard lock(mutex);
      taken[index] = false;
    }
    freed.notify_one();
  }

  // One file on a worker this thread has taken: started if it is not running, replaced if it
  // crashes or runs over the limit (a worker found dead before the request blames nobody).
  ExtractionOutcome read_one(Worker& worker, const std::filesystem::path& file,
                             const FileDigests* known) {
    const std::string request = encode_request(file, known);
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (worker.pid <= 0 && !spawn(worker).ok()) {
        return failed_outcome(file, "no metadata reader could be started", known);
      }
      if (!write_message(worker.fd, request)) {
        stop(worker, true);
        continue;
      }
      return answer(worker, file, known);
    }
    return failed_outcome(file, kCrashed, known);
  }

  ExtractionOutcome answer(Worker& worker, const std::filesystem::path& file,
                           const FileDigests* known) {
    const auto deadline = Clock::now() + options.per_file_limit;
    pollfd polled{.fd = worker.fd, .events = POLLIN, .revents = 0};
    int ready = 0;
    do {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      ready = ::poll(&polled, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    } while (ready < 0 && errno == EINTR);
    if (ready == 0) {
      stop(worker, true);
      return failed_outcome(file, overtime_reason(options.per_file_limit), known);
    }
    const auto message = read_message(worker.fd);
    if (!message) {
      const int status = stop(worker, false);
      return failed_outcome(file, std::string(kCrashed) + " (" + status_text(status) + ")", known);
    }
    auto outcome = decode_outcome(*message);
    return outcome.ok() ? std::move(*outcome)
                        : failed_outcome(file, outcome.error().message, known);
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
  initialize_exiv2();  // once, here: the spawner and the workers inherit it
  auto state = std::make_unique<State>();
  state->options = options;
  auto spawner = WorkerSpawner::start([options](int fd) { worker_main(fd, options); });
  if (!spawner.ok()) return spawner.take_error();
  state->spawner = std::move(*spawner);
  int count =
      options.workers > 0 ? options.workers : static_cast<int>(std::thread::hardware_concurrency());
  count = std::max(count, 1);
  state->workers.resize(static_cast<std::size_t>(count));
  state->taken.assign(state->workers.size(), false);
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

Result<ImageMetadata> MetadataWorkerPool::extract_one(const std::filesystem::path& file,
                                                      FileDigests* digests,
                                                      const FileDigests* known) {
  const std::size_t index = state_->take_worker();
  ExtractionOutcome outcome = state_->read_one(state_->workers[index], file, known);
  state_->give_back(index);
  if (digests != nullptr && outcome.metadata.ok()) *digests = outcome.digests;
  return std::move(outcome.metadata);
}

int MetadataWorkerPool::workers() const {
  return static_cast<int>(state_->workers.size());
}

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
      if (write_message(worker.fd, encode_request(files_[*index], nullptr))) continue;
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
        replace(worker, true, overtime_reason(limit));
      }
    }
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
