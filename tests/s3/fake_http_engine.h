// An HttpEngine for unit tests of S3Client: every request is answered by a script (a function of
// the request and its number), timers fire at once in the order they were set, and what was sent
// and every back-off delay asked for are recorded. Nothing touches the network or the clock.
#pragma once

#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include "config/aws_settings.h"
#include "s3/http_engine.h"

namespace imgsync::s3::testing {

class FakeHttpEngine : public HttpEngine {
 public:
  // `number`: 1 for the first request the engine sees.
  using Script = std::function<Result<HttpResponse>(const HttpRequest& request, int number)>;

  explicit FakeHttpEngine(Script script) : script_(std::move(script)) {}

  void submit(HttpRequest request, Callback callback) override {
    pending_.emplace_back(std::move(request), std::move(callback));
  }
  void schedule(std::chrono::milliseconds delay, std::function<void()> action) override {
    delays_.push_back(delay);
    timers_.push_back(std::move(action));
  }
  void run_until(const std::function<bool()>& done) override {
    while (!done()) {
      if (!pending_.empty()) {
        auto [request, callback] = std::move(pending_.front());
        pending_.pop_front();
        requests_.push_back(request);
        callback(script_(requests_.back(), static_cast<int>(requests_.size())));
      } else if (!timers_.empty()) {
        auto action = std::move(timers_.front());
        timers_.pop_front();
        action();
      } else {
        return;
      }
    }
  }
  std::size_t in_flight() const override { return pending_.size(); }

  const std::vector<HttpRequest>& requests() const { return requests_; }
  const std::vector<std::chrono::milliseconds>& delays() const { return delays_; }

 private:
  Script script_;
  std::deque<std::pair<HttpRequest, Callback>> pending_;
  std::deque<std::function<void()>> timers_;
  std::vector<HttpRequest> requests_;
  std::vector<std::chrono::milliseconds> delays_;
};

// Settings for a client of the fake engine: path-style http://127.0.0.1:9, fake credentials.
inline s3::S3Settings fake_settings(int max_attempts = 0) {
  s3::S3Settings settings;
  settings.credentials.access_key_id = "AKIDFAKE";
  settings.credentials.secret_access_key = "fake-secret";
  settings.region = "us-east-1";
  settings.endpoint_scheme = "http";
  settings.endpoint_host = "127.0.0.1:9";
  settings.custom_endpoint = true;
  settings.addressing_style = s3::AddressingStyle::kPath;
  settings.max_attempts = max_attempts;  // 0: the RetryPolicy's default
  return settings;
}

// A scripted answer: `status`, with an S3 error body naming `code` when given.
inline HttpResponse answer(long status, const std::string& code = "",
                           std::vector<HttpHeader> headers = {}) {
  HttpResponse response;
  response.status = status;
  response.headers = std::move(headers);
  if (!code.empty()) {
    response.body = "<?xml version=\"1.0\"?><Error><Code>" + code +
                    "</Code><Message>scripted</Message><RequestId>req-1</RequestId></Error>";
  }
  return response;
}

}  // namespace imgsync::s3::testing
