// The daemon's reports, sent from a thread of their own: a slow or dead notifier (each send is
// bounded: e-mail 15 s, webhook 10 s, exec 30 s) delays only other reports, never the upload loop
// that records them. Failures are batched: the first after a quiet interval goes out at once, the
// ones after it are counted and go out together when the interval has passed (one message per
// interval, with the uploads counted since the last report and the first five errors). Pause and
// resume messages go out as they happen, in order with the rest.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/notifier_config.h"
#include "notify/notifier.h"

namespace imgsync::notify {

class NotifyWorker {
 public:
  using Clock = std::chrono::steady_clock;
  // What the batching interval is measured with; tests pass a manual clock and call
  // time_passed() after moving it.
  using Now = std::function<Clock::time_point()>;

  NotifyWorker(std::vector<config::NotifierConfig> notifiers, std::string destination,
               std::chrono::milliseconds interval = std::chrono::minutes(1), Now now = Clock::now);
  // Sends the batch still held (if it has failures) and what is queued, then joins the thread.
  ~NotifyWorker();
  NotifyWorker(const NotifyWorker&) = delete;
  NotifyWorker& operator=(const NotifyWorker&) = delete;

  void record_upload();
  void record_failure(const std::string& what);  // "path: message"
  // Queues one report as it is (pause, resume) and returns at once. Beyond kMaxQueued waiting
  // reports the oldest is dropped (and logged): notifiers that far behind are not catching up.
  void post(RunSummary summary);
  // Wakes the thread to look at the clock again (an injected clock has moved).
  void time_passed();

  static constexpr std::size_t kMaxQueued = 32;

 private:
  void run();
  void queue_batch_locked(Clock::time_point now);

  const std::vector<config::NotifierConfig> notifiers_;
  const std::string destination_;
  const std::chrono::milliseconds interval_;
  const Now now_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<RunSummary> queue_;
  RunSummary batch_;
  Clock::time_point last_batch_sent_{};
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace imgsync::notify
