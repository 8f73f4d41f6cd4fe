// Loopback helpers for tests: one HTTP request with libcurl (to scrape a local endpoint such as
// the metrics server), and a port nobody listens on.
#pragma once

#include <string>

namespace imgsync::testing {

struct HttpGetResult {
  long status = 0;  // 0: no answer (refused, timed out)
  std::string body;
  std::string content_type;
};

// `method` other than GET is sent as a custom request without a body. 5 s at most.
HttpGetResult http_get(const std::string& url, const std::string& method = "GET");

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed): connecting
// to it is refused, and a server started on it right away almost surely gets it.
int free_loopback_port();

// A socket listening on a free port of 127.0.0.1 that never accepts: connections complete (the
// kernel's backlog) and then hear nothing, like a hung server; the port is also taken.
class SilentListener {
 public:
  SilentListener();
  ~SilentListener();
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = -1;
};

}  // namespace imgsync::testing
