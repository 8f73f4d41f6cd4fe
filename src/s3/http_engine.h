// An event loop over libcurl's multi interface: many concurrent transfers on reused connections,
// driven from one thread, with timers for retry back-off. Not thread-safe: one engine per thread.
// The transfer and timer calls are virtual so that tests can run S3Client on a fake engine
// (tests/s3/fake_http_engine.h) that answers from a script and fires timers at once.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "s3/http_types.h"
#include "util/result.h"

namespace imgsync::s3 {

struct HttpEngineOptions {
  int max_connections = 16;  // concurrent transfers (and connections) at most
  bool verify_tls = true;
  std::string ca_bundle;  // empty: the system's
  std::chrono::milliseconds connect_timeout{10000};
  // A transfer slower than low_speed_bytes/s for low_speed_time is aborted (a stalled connection).
  long low_speed_bytes = 1;
  std::chrono::seconds low_speed_time{60};
};

class HttpEngine {
 public:
  using Callback = std::function<void(Result<HttpResponse>)>;

  explicit HttpEngine(HttpEngineOptions options = {});
  virtual ~HttpEngine();
  HttpEngine(const HttpEngine&) = delete;
  HttpEngine& operator=(const HttpEngine&) = delete;

  // Queue a request; the callback runs from inside run() when it completes. Transport failures
  // (no connection, reset, timeout, TLS) arrive as an Error; any HTTP status arrives as a response.
  virtual void submit(HttpRequest request, Callback callback);
  // Run `action` from inside run() once `delay` has passed.
  virtual void schedule(std::chrono::milliseconds delay, std::function<void()> action);
  // Drive transfers and timers until nothing is queued, running or scheduled.
  void run();
  // Drive until `done()` is true (or nothing is left).
  virtual void run_until(const std::function<bool()>& done);
  // Convenience: one request, synchronously.
  Result<HttpResponse> perform(HttpRequest request);

  // Transfers queued or running, and holds not yet released.
  virtual std::size_t in_flight() const;

  // Work handed to another thread whose result comes back to this loop: hold() (on this
  // thread) before handing it off; the other thread then calls post() exactly once, which wakes
  // the loop; the action runs from inside run() and releases the hold. While a hold is out,
  // run() waits for it rather than returning as idle.
  void hold();
  void post(std::function<void()> action);  // thread-safe
  std::size_t holds() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace imgsync::s3
