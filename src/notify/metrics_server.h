// The daemon's metrics endpoint: a small HTTP/1.1 server on one thread (one poll over the
// listening socket, a wake pipe and every open connection), one request per connection, each
// connection with its own 5 s budget and at most 256 open at once, so idle or slow clients
// never starve a scrape. GET /metrics: the Prometheus text format;
// GET /healthz: 200 "ok", or 503 with the reason while uploads are paused; 404 for other paths,
// 405 for other methods. No authentication: bind it to loopback unless the network may read it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "config/listen_address.h"
#include "notify/metrics_registry.h"
#include "util/result.h"

namespace imgsync::notify {

struct HttpReply {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::string to_string() const;  // status line, headers (Connection: close), body
};

// The answer to one request head ("GET /metrics HTTP/1.1\r\nHost: ...").
HttpReply answer_metrics_request(std::string_view request, const MetricsRegistry& registry);

class MetricsServer {
 public:
  // Listens and serves until destroyed. kInvalidInput when the address cannot be bound (the
  // message names the address, and says so when the port is taken).
  static Result<std::unique_ptr<MetricsServer>> start(const config::ListenAddress& address,
                                                      const MetricsRegistry& registry);
  ~MetricsServer();  // stops the thread and joins it
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  MetricsServer(int listen_fd, int wake_read, int wake_write, std::uint16_t port,
                const MetricsRegistry& registry);
  void serve();
  bool advance(int client, std::string& request, std::string& reply, std::size_t& sent,
               short events);

  int listen_fd_;
  int wake_read_;
  int wake_write_;
  std::uint16_t port_;
  const MetricsRegistry& registry_;
  std::thread thread_;
};

}  // namespace imgsync::notify
