// A local HTTP endpoint on 127.0.0.1 that answers every request 200 and keeps the bodies: the
// receiving end of webhook notifications in tests.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace imgsync::testing {

class HttpReceiver {
 public:
  HttpReceiver();
  ~HttpReceiver();  // stops accepting and joins its thread
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  // A URL on it whose path holds a token (which must never show in a log).
  std::string url() const;
  // The bodies received so far, once there are at least `count` or `timeout` passed.
  std::vector<std::string> wait_for_bodies(std::size_t count, std::chrono::milliseconds timeout);

 private:
  void serve();

  int fd_ = -1;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable received_;
  std::vector<std::string> bodies_;
  std::thread thread_;
};

}  // namespace imgsync::testing
