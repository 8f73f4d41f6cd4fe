#include "support/http_receiver.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace imgsync::testing {

HttpReceiver::HttpReceiver() {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      listen(fd_, 8) != 0) {
    if (fd_ >= 0) close(fd_);
    throw std::runtime_error("HttpReceiver: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

HttpReceiver::~HttpReceiver() {
  shutdown(fd_, SHUT_RDWR);  // wakes accept()
  thread_.join();
  close(fd_);
}

std::string HttpReceiver::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/hook/SECRET-TOKEN";
}

std::vector<std::string> HttpReceiver::wait_for_bodies(std::size_t count,
                                                       std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  received_.wait_for(lock, timeout, [&] { return bodies_.size() >= count; });
  return bodies_;
}

void HttpReceiver::serve() {
  for (;;) {
    const int client = accept(fd_, nullptr, nullptr);
    if (client < 0) return;
    std::string request;
    char buffer[4096];
    std::size_t body_at = std::string::npos, length = 0;
    while (body_at == std::string::npos || request.size() < body_at + length) {
      const ssize_t got = read(client, buffer, sizeof buffer);
      if (got <= 0) break;
      request.append(buffer, static_cast<std::size_t>(got));
      if (body_at == std::string::npos &&
          (body_at = request.find("\r\n\r\n")) != std::string::npos) {
        body_at += 4;
        const auto header = request.find("Content-Length: ");
        if (header != std::string::npos) length = std::stoul(request.substr(header + 16));
      }
    }
    const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    [[maybe_unused]] ssize_t sent = write(client, reply.data(), reply.size());
    close(client);
    {
      std::lock_guard lock(mutex_);
      bodies_.push_back(body_at == std::string::npos ? "" : request.substr(body_at));
    }
    received_.notify_all();
  }
}

}  // namespace imgsync::testing
