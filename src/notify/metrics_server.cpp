#include "notify/metrics_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace imgsync::notify {
namespace {

constexpr std::size_t kMaxRequestHead = 8192;
constexpr std::chrono::milliseconds kClientTimeout{2000};

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 503:
      return "Service Unavailable";
  }
  return "Error";
}

void write_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the scraper went away: nothing to do
    sent += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string HttpReply::to_string() const {
  std::string text = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n", status,
      reason(status), content_type, body.size());
  if (status == 405) text += "Allow: GET\r\n";
  return text + "\r\n" + body;
}

HttpReply answer_metrics_request(std::string_view request, const MetricsRegistry& registry) {
  const auto line_end = request.find("\r\n");
  const std::string_view line = request.substr(0, line_end);
  const auto first_space = line.find(' ');
  const auto second_space =
      first_space == std::string_view::npos ? first_space : line.find(' ', first_space + 1);
  if (second_space == std::string_view::npos || line.substr(second_space + 1).rfind("HTTP/1.", 0)) {
    return {400, "text/plain; charset=utf-8", "bad request\n"};
  }
  const std::string_view method = line.substr(0, first_space);
  std::string_view path = line.substr(first_space + 1, second_space - first_space - 1);
  path = path.substr(0, path.find('?'));
  if (path != "/metrics" && path != "/healthz")
    return {404, "text/plain; charset=utf-8", "not found\n"};
  if (method != "GET") return {405, "text/plain; charset=utf-8", "only GET\n"};
  if (path == "/metrics") {
    return {200, "text/plain; version=0.0.4; charset=utf-8", registry.exposition()};
  }
  const auto health = registry.health();
  return {health.ok ? 200 : 503, "text/plain; charset=utf-8", health.text + "\n"};
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const config::ListenAddress& address,
                                                            const MetricsRegistry& registry) {
  const auto failed = [&address](const std::string& why) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("cannot serve metrics on {}: {}", address.to_string(), why));
  };
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return failed(std::strerror(errno));
  const int yes = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in socket_address{};
  socket_address.sin_family = AF_INET;
  socket_address.sin_port = htons(address.port);
  inet_pton(AF_INET, address.host.c_str(), &socket_address.sin_addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&socket_address), sizeof socket_address) != 0 ||
      listen(fd, 16) != 0) {
    const int error = errno;
    close(fd);
    if (error == EADDRINUSE) {
      return failed(
          fmt::format("port {} is already in use (another imgsync watch?); choose a "
                      "free port",
                      address.port));
    }
    return failed(std::strerror(error));
  }
  socklen_t length = sizeof socket_address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&socket_address), &length);
  int wake[2];
  if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
    close(fd);
    return failed(std::strerror(errno));
  }
  return std::unique_ptr<MetricsServer>(
      new MetricsServer(fd, wake[0], wake[1], ntohs(socket_address.sin_port), registry));
}

MetricsServer::MetricsServer(int listen_fd, int wake_read, int wake_write, std::uint16_t port,
                             const MetricsRegistry& registry)
    : listen_fd_(listen_fd),
      wake_read_(wake_read),
      wake_write_(wake_write),
      port_(port),
      registry_(registry),
      thread_([this] { serve(); }) {}

MetricsServer::~MetricsServer() {
  [[maybe_unused]] const ssize_t written = write(wake_write_, "x", 1);
  if (thread_.joinable()) thread_.join();
  close(listen_fd_);
  close(wake_read_);
  close(wake_write_);
}

void MetricsServer::serve() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_read_, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents & POLLIN) {
      const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      answer(client);
      close(client);
    }
  }
}

// One request per connection, read within kClientTimeout; a slow or silent client is dropped
// rather than allowed to hold the (single) serving thread.
void MetricsServer::answer(int client) {
  const auto deadline = std::chrono::steady_clock::now() + kClientTimeout;
  std::string request;
  char buffer[2048];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < kMaxRequestHead) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    pollfd fds[2] = {{client, POLLIN, 0}, {wake_read_, POLLIN, 0}};
    const int ready = poll(fds, 2, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 || fds[1].revents != 0) return;
    const ssize_t got = recv(client, buffer, sizeof buffer, 0);
    if (got <= 0) return;
    request.append(buffer, static_cast<std::size_t>(got));
  }
  write_all(client, answer_metrics_request(request, registry_).to_string());
}

}  // namespace imgsync::notify
