// An HTTP/1.1 proxy between imgsync and the test server that injects faults: it forwards
// keep-alive connections request by request (Content-Length request bodies; Content-Length,
// chunked and body-less responses) and, per request, by a seeded policy, drops the connection
// in the middle of the request body, answers 503 SlowDown or 500 InternalError itself, or holds
// the request back for a while; and it can refuse every connection until told otherwise. It
// counts what it forwarded and injected, and a test can wait on those counters.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>

namespace imgsync::testing {

struct FaultPolicy {
  std::uint64_t seed = 1;
  // Share of the requests with a body whose connection is closed after `drop_after_bytes` of the
  // body (at most half of it) arrived, before anything reaches the server.
  double drop_mid_body = 0;
  std::size_t drop_after_bytes = 64 * 1024;
  double slow_down = 0;       // share answered "503 SlowDown" (S3 XML error body), not forwarded
  double internal_error = 0;  // share answered "500 InternalError", not forwarded
  double delay = 0;           // share forwarded after `delay_by`
  std::chrono::milliseconds delay_by{0};
  // Share answered with any other S3 error, not forwarded (e.g. 403 AccessDenied).
  double custom_error = 0;
  int custom_status = 400;
  std::string custom_code = "InvalidArgument";
  std::string custom_message = "injected by the fault proxy";
  // Not empty: the ETag of every forwarded answer (to a request of only_method) that has one is
  // replaced by this, as if the server had stored other bytes than were sent.
  std::string replace_etag;
  std::string only_method;  // faults only for requests of this method ("PUT"); "": any
  int max_faults = -1;      // no more faults after this many (-1: no limit)
};

struct FaultCounters {
  int connections = 0;          // accepted and served
  int requests = 0;             // request heads read
  int forwarded = 0;            // answered by the server
  int parts_forwarded = 0;      // ...of which UploadPart requests (a partNumber in the target)
  int upstream_failures = 0;    // the server could not be reached or did not answer: dropped
  int broken_off = 0;           // the answer was cut short (either side closed): dropped
  int dropped_mid_body = 0;     // faults
  int slow_down = 0;            // faults
  int internal_error = 0;       // faults
  int delayed = 0;              // faults
  int custom_error = 0;         // faults
  int etag_replaced = 0;        // faults
  int refused_connections = 0;  // connections (or requests on open ones) closed while refusing
  int faults() const {
    return dropped_mid_body + slow_down + internal_error + delayed + custom_error + etag_replaced;
  }
};

class FaultProxy {
 public:
  using Clock = std::chrono::steady_clock;

  // `upstream`: "127.0.0.1:PORT" of the real server (plain HTTP).
  explicit FaultProxy(std::string upstream, FaultPolicy policy = {});
  ~FaultProxy();  // closes every connection and joins every thread
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::string endpoint() const;  // http://127.0.0.1:PORT
  void set_policy(const FaultPolicy& policy);
  // Starts counting afresh (counters and the last fault), e.g. for the next case of a test.
  void reset_counters();
  // While refusing, new connections are closed at accept (a reset) and open ones are closed.
  void refuse_connections(bool refuse);
  // Forwards the requests held back by a delay now, without waiting for the rest of delay_by.
  void release_held();

  FaultCounters counters() const;
  // When the last fault (of the policy, or a refused connection) was injected; nullopt: none yet.
  std::optional<Clock::time_point> last_fault() const;
  // Waits until `condition` holds for the counters, or `timeout` passes; whether it held.
  bool wait_for(const std::function<bool(const FaultCounters&)>& condition,
                std::chrono::milliseconds timeout) const;

 private:
  enum class Fault { kNone, kDrop, kSlowDown, kInternalError, kDelay, kCustom };
  struct Worker {
    std::thread thread;
    std::shared_ptr<bool> done;  // guarded by mutex_
  };

  void accept_loop();
  void serve(int client_fd);
  Fault decide(const std::string& method, bool has_body);
  // Adds to the counters (under the lock) and wakes the waiters.
  void count(const std::function<void(FaultCounters&)>& change, bool fault = false);
  bool track(int fd);  // false when stopping (the fd is closed then)
  void untrack(int fd);
  bool stopping() const;
  // The response head with its ETag replaced when the policy says so (and counts it).
  std::string maybe_replace_etag(const std::string& method, const std::string& response_text);

  std::string upstream_host_;
  int upstream_port_ = 0;
  int listen_fd_ = -1;
  int port_ = 0;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  FaultPolicy policy_;
  std::mt19937_64 random_;
  int faults_injected_ = 0;
  bool refusing_ = false;
  bool stopping_ = false;
  int releases_ = 0;  // release_held() calls: a held request waits for a change of it
  FaultCounters counters_;
  std::optional<Clock::time_point> last_fault_;
  std::set<int> open_fds_;
  std::set<int> client_fds_;
  std::list<Worker> workers_;
  std::thread acceptor_;
};

}  // namespace imgsync::testing
