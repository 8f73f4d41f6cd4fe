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
#include <deque>
#include <vector>

namespace imgsync::notify {
namespace {

constexpr std::size_t kMaxRequestHead = 8192;
// Each connection's whole budget (read the head, write the answer): a client that sends nothing
// is dropped when it runs out, and never delays anyone else.
constexpr std::chrono::milliseconds kClientTimeout{5000};
// Open connections at most; a new one past this drops the oldest (whose budget ends first).
constexpr std::size_t kMaxConnections = 256;

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
      listen(fd, 64) != 0) {
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

// One thread, every connection in one poll: each reads its head and writes its answer as the
// socket allows, within its own budget, so a silent or slow client costs one slot, not a turn.
void MetricsServer::serve() {
  using Clock = std::chrono::steady_clock;
  struct Connection {
    int fd;
    Clock::time_point deadline;
    std::string request, reply;
    std::size_t sent = 0;
  };
  std::deque<Connection> connections;  // oldest first
  auto drop = [&](std::size_t index) {
    close(connections[index].fd);
    connections.erase(connections.begin() + static_cast<std::ptrdiff_t>(index));
  };
  for (;;) {
    const auto now = Clock::now();
    for (std::size_t i = connections.size(); i-- > 0;) {
      if (connections[i].deadline <= now) drop(i);
    }
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}, {wake_read_, POLLIN, 0}};
    int timeout = -1;
    for (const auto& connection : connections) {
      fds.push_back(
          {connection.fd, static_cast<short>(connection.reply.empty() ? POLLIN : POLLOUT), 0});
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(connection.deadline - now).count() +
          1;
      timeout = timeout < 0 ? static_cast<int>(left) : std::min(timeout, static_cast<int>(left));
    }
    if (poll(fds.data(), fds.size(), timeout) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0) break;
    // Existing connections first (by index, before any is added or dropped).
    for (std::size_t i = connections.size(); i-- > 0;) {
      const short events = fds[2 + i].revents;
      if (events == 0) continue;
      if (!advance(connections[i].fd, connections[i].request, connections[i].reply,
                   connections[i].sent, events)) {
        drop(i);
      }
    }
    if (fds[0].revents & POLLIN) {
      const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (client < 0) continue;
      if (connections.size() >= kMaxConnections) drop(0);
      connections.push_back({client, Clock::now() + kClientTimeout, {}, {}, 0});
    }
  }
  for (const auto& connection : connections) close(connection.fd);
}

// Reads more of the head or writes more of the answer; false when the connection is done (the
// answer sent) or broken.
bool MetricsServer::advance(int client, std::string& request, std::string& reply, std::size_t& sent,
                            short events) {
  if (reply.empty()) {
    if ((events & (POLLIN | POLLHUP | POLLERR)) == 0) return true;
    char buffer[2048];
    const ssize_t got = recv(client, buffer, sizeof buffer, 0);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) return true;
    if (got <= 0) return false;
    request.append(buffer, static_cast<std::size_t>(got));
    if (request.find("\r\n\r\n") == std::string::npos) {
      return request.size() < kMaxRequestHead;  // an endless head is dropped
    }
    reply = answer_metrics_request(request, registry_).to_string();
  }
  const ssize_t n = send(client, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;  // the scraper went away: nothing to do
  sent += static_cast<std::size_t>(n);
  return sent < reply.size();
}

}  // namespace imgsync::notify
