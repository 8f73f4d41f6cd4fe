#include "support/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace imgsync::testing {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.remove_suffix(1);
  return text;
}

// A message head: the start line and the header fields, as received.
struct Head {
  std::string start_line;
  std::vector<std::pair<std::string, std::string>> fields;

  static Head parse(const std::string& text) {
    Head head;
    std::size_t at = 0;
    while (at < text.size()) {
      const std::size_t end = text.find("\r\n", at);
      if (end == std::string::npos || end == at) break;
      const std::string_view line(text.data() + at, end - at);
      if (head.start_line.empty()) {
        head.start_line = std::string(line);
      } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
        head.fields.emplace_back(std::string(trim(line.substr(0, colon))),
                                 std::string(trim(line.substr(colon + 1))));
      }
      at = end + 2;
    }
    return head;
  }
  std::string field(std::string_view name) const {
    for (const auto& [key, value] : fields)
      if (iequals(key, name)) return value;
    return "";
  }
  bool has_token(std::string_view name, std::string_view token) const {
    for (const auto& [key, value] : fields)
      if (iequals(key, name) && value.find(token) != std::string::npos) return true;
    return false;
  }
  std::string serialize(std::string_view without = "") const {
    std::string text = start_line + "\r\n";
    for (const auto& [key, value] : fields) {
      if (!without.empty() && iequals(key, without)) continue;
      text += key + ": " + value + "\r\n";
    }
    return text + "\r\n";
  }
};

std::size_t to_size(const std::string& text, int base = 10) {
  std::size_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value, base);
  return value;
}

// A socket with a read buffer. Reads block; shutdown() from another thread ends them.
class Stream {
 public:
  explicit Stream(int fd = -1) : fd_(fd) {}
  int fd() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void reset(int fd) {
    fd_ = fd;
    buffer_.clear();
  }

  // Everything up to and including `delimiter`; false at end of stream.
  bool read_until(std::string_view delimiter, std::string& out) {
    std::size_t found;
    while ((found = buffer_.find(delimiter)) == std::string::npos) {
      if (!fill()) return false;
    }
    out = buffer_.substr(0, found + delimiter.size());
    buffer_.erase(0, found + delimiter.size());
    return true;
  }
  // Exactly `size` bytes, appended to `out`.
  bool read_exact(std::size_t size, std::string& out) {
    while (buffer_.size() < size) {
      if (!fill()) return false;
    }
    out.append(buffer_, 0, size);
    buffer_.erase(0, size);
    return true;
  }
  // Whatever arrives next (the buffer first); false at end of stream.
  bool read_some(std::string& out) {
    if (buffer_.empty() && !fill()) return false;
    out = std::move(buffer_);
    buffer_.clear();
    return true;
  }
  bool write_all(std::string_view data) const {
    while (!data.empty()) {
      const ssize_t sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent < 0 && errno == EINTR) continue;
      if (sent <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }

 private:
  bool fill() {
    char chunk[64 * 1024];
    ssize_t got;
    do {
      got = ::recv(fd_, chunk, sizeof chunk, 0);
    } while (got < 0 && errno == EINTR);
    if (got <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(got));
    return true;
  }

  int fd_;
  std::string buffer_;
};

// Relays a response body from `from` to `to` by the response's framing; false when either side
// broke off. `until_close` is set when the body ends with the connection.
bool relay_body(const Head& response, bool head_request, Stream& from, const Stream& to,
                bool& until_close) {
  until_close = false;
  const int status = response.start_line.size() >= 12
                         ? static_cast<int>(to_size(response.start_line.substr(9, 3)))
                         : 0;
  if (head_request || status == 204 || status == 304 || (status >= 100 && status < 200))
    return true;
  if (response.has_token("Transfer-Encoding", "chunked")) {
    for (;;) {
      std::string size_line;
      if (!from.read_until("\r\n", size_line) || !to.write_all(size_line)) return false;
      const std::size_t size = to_size(std::string(trim(size_line)), 16);
      if (size == 0) {
        // Trailer fields, then the empty line.
        for (;;) {
          std::string line;
          if (!from.read_until("\r\n", line) || !to.write_all(line)) return false;
          if (line == "\r\n") return true;
        }
      }
      std::string data;
      if (!from.read_exact(size + 2, data) || !to.write_all(data)) return false;
    }
  }
  const std::string length = response.field("Content-Length");
  if (!length.empty()) {
    std::size_t left = to_size(length);
    while (left > 0) {
      std::string data;
      if (!from.read_exact(std::min<std::size_t>(left, 64 * 1024), data) || !to.write_all(data))
        return false;
      left -= data.size();
    }
    return true;
  }
  until_close = true;
  std::string data;
  while (from.read_some(data)) {
    if (!to.write_all(data)) return false;
  }
  return true;
}

std::string error_response(int status, const std::string& code, const std::string& message,
                           int request_number, bool head_request, bool close) {
  const std::string request_id = "fault-proxy-" + std::to_string(request_number);
  const std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code +
                           "</Code><Message>" + message + "</Message><RequestId>" + request_id +
                           "</RequestId></Error>";
  // The reason phrase is free text: the code serves.
  std::string text = "HTTP/1.1 " + std::to_string(status) + " " + code +
                     "\r\nContent-Type: application/xml\r\nx-amz-request-id: " + request_id +
                     "\r\nContent-Length: " + std::to_string(head_request ? 0 : body.size()) +
                     "\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n";
  if (!head_request) text += body;
  return text;
}

void close_with_reset(int fd) {
  linger option{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, sizeof option);
  ::close(fd);
}

}  // namespace

FaultProxy::FaultProxy(std::string upstream, FaultPolicy policy)
    : policy_(policy), random_(policy.seed) {
  const auto colon = upstream.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("upstream: HOST:PORT");
  upstream_host_ = upstream.substr(0, colon);
  upstream_port_ = static_cast<int>(to_size(upstream.substr(colon + 1)));

  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      ::listen(listen_fd_, 64) != 0) {
    if (listen_fd_ >= 0) ::close(listen_fd_);
    throw std::runtime_error("fault proxy: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FaultProxy::~FaultProxy() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  changed_.notify_all();
  ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  acceptor_.join();
  ::close(listen_fd_);
  // The acceptor is gone: nobody adds workers any more.
  for (auto& worker : workers_) worker.thread.join();
}

std::string FaultProxy::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void FaultProxy::set_policy(const FaultPolicy& policy) {
  std::lock_guard lock(mutex_);
  policy_ = policy;
  random_.seed(policy.seed);
  faults_injected_ = 0;
}

void FaultProxy::reset_counters() {
  std::lock_guard lock(mutex_);
  counters_ = {};
  last_fault_.reset();
}

void FaultProxy::refuse_connections(bool refuse) {
  std::lock_guard lock(mutex_);
  refusing_ = refuse;
  if (refuse) {
    for (int fd : client_fds_) ::shutdown(fd, SHUT_RDWR);
    last_fault_ = Clock::now();
  }
}

FaultCounters FaultProxy::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

std::optional<FaultProxy::Clock::time_point> FaultProxy::last_fault() const {
  std::lock_guard lock(mutex_);
  return last_fault_;
}

bool FaultProxy::wait_for(const std::function<bool(const FaultCounters&)>& condition,
                          std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return condition(counters_); });
}

void FaultProxy::count(const std::function<void(FaultCounters&)>& change, bool fault) {
  {
    std::lock_guard lock(mutex_);
    change(counters_);
    if (fault) last_fault_ = Clock::now();
  }
  changed_.notify_all();
}

bool FaultProxy::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

bool FaultProxy::track(int fd) {
  std::lock_guard lock(mutex_);
  if (stopping_) {
    ::close(fd);
    return false;
  }
  open_fds_.insert(fd);
  return true;
}

void FaultProxy::untrack(int fd) {
  std::lock_guard lock(mutex_);
  open_fds_.erase(fd);
  client_fds_.erase(fd);
  ::close(fd);
}

FaultProxy::Fault FaultProxy::decide(const std::string& method, bool has_body) {
  std::lock_guard lock(mutex_);
  if (policy_.max_faults >= 0 && faults_injected_ >= policy_.max_faults) return Fault::kNone;
  if (!policy_.only_method.empty() && method != policy_.only_method) return Fault::kNone;
  std::uniform_real_distribution<double> share(0.0, 1.0);
  const double draw = share(random_);
  Fault fault = Fault::kNone;
  double bound = 0;
  if (has_body && draw < (bound += policy_.drop_mid_body)) {
    fault = Fault::kDrop;
  } else if (draw < (bound += policy_.slow_down)) {
    fault = Fault::kSlowDown;
  } else if (draw < (bound += policy_.internal_error)) {
    fault = Fault::kInternalError;
  } else if (draw < (bound += policy_.delay)) {
    fault = Fault::kDelay;
  } else if (draw < (bound += policy_.custom_error)) {
    fault = Fault::kCustom;
  }
  if (fault != Fault::kNone) ++faults_injected_;
  return fault;
}

void FaultProxy::release_held() {
  {
    std::lock_guard lock(mutex_);
    ++releases_;
  }
  changed_.notify_all();
}

std::string FaultProxy::maybe_replace_etag(const std::string& method,
                                           const std::string& response_text) {
  Head response = Head::parse(response_text);
  {
    std::lock_guard lock(mutex_);
    if (policy_.replace_etag.empty() || response.field("ETag").empty()) return response_text;
    if (!policy_.only_method.empty() && method != policy_.only_method) return response_text;
    for (auto& [key, value] : response.fields) {
      if (iequals(key, "ETag")) value = policy_.replace_etag;
    }
    ++counters_.etag_replaced;
    last_fault_ = Clock::now();
  }
  changed_.notify_all();
  return response.serialize();
}

void FaultProxy::accept_loop() {
  for (;;) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    std::lock_guard lock(mutex_);
    if (stopping_) {
      if (fd >= 0) ::close(fd);
      return;
    }
    if (fd < 0) continue;  // EINTR, ECONNABORTED
    // Join the workers that are done, so a long test does not pile up threads.
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (*it->done) {
        it->thread.join();
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
    if (refusing_) {
      ++counters_.refused_connections;
      last_fault_ = Clock::now();
      close_with_reset(fd);
      changed_.notify_all();
      continue;
    }
    ++counters_.connections;
    open_fds_.insert(fd);
    client_fds_.insert(fd);
    auto done = std::make_shared<bool>(false);
    workers_.push_back({std::thread([this, fd, done] {
                          serve(fd);
                          std::lock_guard finished(mutex_);
                          *done = true;
                        }),
                        done});
    changed_.notify_all();
  }
}

void FaultProxy::serve(int client_fd) {
  Stream client(client_fd);
  Stream server;
  auto connect_upstream = [&]() -> bool {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || !track(fd)) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(upstream_port_));
    ::inet_pton(AF_INET, upstream_host_.c_str(), &address.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      untrack(fd);
      return false;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    server.reset(fd);
    return true;
  };
  auto drop_server = [&] {
    if (server.open()) untrack(server.fd());
    server.reset(-1);
  };

  for (;;) {
    std::string head_text;
    if (!client.read_until("\r\n\r\n", head_text)) break;
    const Head request = Head::parse(head_text);
    int number = 0;
    bool refusing = false;
    count([&](FaultCounters& c) { number = ++c.requests; });
    {
      std::lock_guard lock(mutex_);
      refusing = refusing_;
    }
    if (refusing) {
      count([](FaultCounters& c) { ++c.refused_connections; }, true);
      break;
    }
    const std::string method = request.start_line.substr(0, request.start_line.find(' '));
    const bool head_request = method == "HEAD";
    const bool expect_continue = request.has_token("Expect", "100-continue");
    const std::size_t body_size = to_size(request.field("Content-Length"));
    const bool is_part = request.start_line.find("partNumber=") != std::string::npos;

    const Fault fault = decide(method, body_size > 0);
    if (fault == Fault::kSlowDown || fault == Fault::kInternalError || fault == Fault::kCustom) {
      std::string answer;
      {
        std::lock_guard lock(mutex_);
        if (fault == Fault::kSlowDown) {
          ++counters_.slow_down;
          answer = error_response(503, "SlowDown", "Please reduce your request rate.", number,
                                  head_request, expect_continue);
        } else if (fault == Fault::kInternalError) {
          ++counters_.internal_error;
          answer = error_response(500, "InternalError",
                                  "We encountered an internal error. Please try again.", number,
                                  head_request, expect_continue);
        } else {
          ++counters_.custom_error;
          answer = error_response(policy_.custom_status, policy_.custom_code,
                                  policy_.custom_message, number, head_request, expect_continue);
        }
        last_fault_ = Clock::now();
      }
      changed_.notify_all();
      // A client waiting for "100 Continue" gets the final answer instead and sends no body: the
      // connection cannot carry on then.
      std::string ignored;
      if (!expect_continue && !client.read_exact(body_size, ignored)) break;
      if (!client.write_all(answer) || expect_continue) break;
      continue;
    }
    if (fault == Fault::kDelay) {
      count([](FaultCounters& c) { ++c.delayed; }, true);
      std::unique_lock lock(mutex_);
      const int releases = releases_;
      if (changed_.wait_for(lock, policy_.delay_by,
                            [this, releases] { return stopping_ || releases_ != releases; }) &&
          stopping_) {
        break;
      }
    }
    // The proxy answers "100 Continue" itself and sends the server the whole body at once.
    if (expect_continue && !client.write_all("HTTP/1.1 100 Continue\r\n\r\n")) break;
    std::string body;
    if (fault == Fault::kDrop) {
      std::size_t keep = body_size / 2;
      {
        std::lock_guard lock(mutex_);
        keep = std::min(policy_.drop_after_bytes, keep);
      }
      client.read_exact(keep, body);
      count([](FaultCounters& c) { ++c.dropped_mid_body; }, true);
      break;
    }
    if (!client.read_exact(body_size, body)) break;
    const std::string forward = request.serialize("Expect") + body;

    // A kept-alive server connection may have been closed by the server meanwhile: one more try
    // on a new connection when nothing came back on the old one.
    std::string response_text;
    bool answered = false;
    for (int attempt = 0; attempt < 2 && !answered && !stopping(); ++attempt) {
      const bool reused = server.open();
      if (!reused && !connect_upstream()) break;
      answered = server.write_all(forward) && server.read_until("\r\n\r\n", response_text);
      if (!answered) {
        drop_server();
        if (!reused) break;
      }
    }
    if (!answered) {
      count([](FaultCounters& c) { ++c.upstream_failures; });
      break;
    }
    // An interim answer (1xx; the proxy sends no Expect, but a server may still say 100) is
    // passed on, and the final one follows it.
    Head response = Head::parse(response_text);
    bool relayed = true;
    while (relayed && response.start_line.size() >= 12 && response.start_line[9] == '1') {
      relayed = client.write_all(response_text) && server.read_until("\r\n\r\n", response_text);
      response = Head::parse(response_text);
    }
    bool until_close = false;
    if (relayed) response_text = maybe_replace_etag(method, response_text);
    if (!relayed || !client.write_all(response_text) ||
        !relay_body(response, head_request, server, client, until_close)) {
      count([](FaultCounters& c) { ++c.broken_off; });
      break;
    }
    count([is_part](FaultCounters& c) {
      ++c.forwarded;
      if (is_part) ++c.parts_forwarded;
    });
    if (until_close || response.has_token("Connection", "close") ||
        request.has_token("Connection", "close")) {
      break;
    }
  }
  drop_server();
  untrack(client_fd);
}

}  // namespace imgsync::testing
