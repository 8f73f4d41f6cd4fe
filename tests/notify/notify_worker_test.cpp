// The daemon's notifier thread: recording and posting never wait for a slow notifier, reports
// arrive in order, failures are batched per interval (a held batch goes out when the interval
// passes, without a further event; the interval is measured on an injected clock), and
// destruction sends what is left before it joins.
#include "notify/notify_worker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>

#include "support/test_paths.h"

namespace imgsync::notify {
namespace {

using namespace std::chrono_literals;

// An exec notifier appending "EVENT FAILED UPLOADED" to `file`; with a `gate`, it first waits
// until that file exists (the test opens the gate: an event, not a clock).
config::NotifierConfig recorder(const std::filesystem::path& file,
                                const std::filesystem::path& gate = {}) {
  config::NotifierConfig notifier;
  notifier.type = config::NotifierType::kExec;
  notifier.always = true;
  notifier.command = {"/bin/sh", "-c",
                      "if [ -n \"$1\" ]; then while [ ! -e \"$1\" ]; do sleep 0.01; done; fi; "
                      "echo \"$IMGSYNC_EVENT $IMGSYNC_FAILED $IMGSYNC_UPLOADED\" >> \"$0\"",
                      file.string(), gate.string()};
  return notifier;
}

std::string read_if_there(const std::filesystem::path& file) {
  return std::filesystem::exists(file) ? testing::read_file(file) : "";
}

// Polls the file until it holds `lines` lines (the notifier's output is the event waited on);
// gives up after 30 s so that a broken worker fails instead of hanging.
std::string await_lines(const std::filesystem::path& file, int lines) {
  std::string text = read_if_there(file);
  for (int polls = 0; std::count(text.begin(), text.end(), '\n') < lines && polls < 1500; ++polls) {
    std::this_thread::sleep_for(20ms);
    text = read_if_there(file);
  }
  return text;
}

// A clock the test moves by hand.
class ManualClock {
 public:
  NotifyWorker::Now now() {
    return [this] { return NotifyWorker::Clock::time_point{} + elapsed_.load() * 1ms; };
  }
  void advance(std::chrono::milliseconds by) { elapsed_ += by.count(); }

 private:
  std::atomic<long long> elapsed_{24LL * 3600 * 1000};  // a day after the clock's epoch
};

RunSummary event(RunEvent what) {
  RunSummary summary;
  summary.event = what;
  return summary;
}

TEST(NotifyWorker, PostReturnsAtOnceAndEverythingIsSentInOrderBeforeItJoins) {
  testing::ScratchDir dir;
  const auto heard = dir.path() / "heard.txt";
  const auto gate = dir.path() / "gate";
  {
    NotifyWorker worker({recorder(heard, gate)}, "s3://b/p");
    worker.post(event(RunEvent::kDestinationUnusable));
    worker.post(event(RunEvent::kResumed));
    worker.record_failure("a.jpg: bad");
    // Every notifier waits for the gate, which is still shut: recording and posting returned
    // without waiting for them (had they waited, the test would never get here).
    EXPECT_EQ(read_if_there(heard), "");
    std::ofstream(gate.string()) << "open";
  }  // the destructor sends all three before it joins
  EXPECT_EQ(read_if_there(heard), "destination_unusable 0 0\nresumed 0 0\nwatch_report 1 0\n");
}

TEST(NotifyWorker, FailuresAreBatchedPerIntervalAndAHeldBatchGoesOutWhenItEnds) {
  testing::ScratchDir dir;
  const auto heard = dir.path() / "heard.txt";
  ManualClock clock;
  NotifyWorker worker({recorder(heard)}, "s3://b/p", 1h, clock.now());
  worker.record_upload();
  worker.record_failure("a.jpg: bad");  // the first: at once
  EXPECT_EQ(await_lines(heard, 1), "watch_report 1 1\n");
  worker.record_upload();
  worker.record_upload();
  worker.record_failure("b.jpg: bad");  // within the interval: held...
  worker.record_failure("c.jpg: bad");
  // A posted report goes out at once; the worker looked at the batch before and after it.
  worker.post(event(RunEvent::kResumed));
  EXPECT_EQ(await_lines(heard, 2), "watch_report 1 1\nresumed 0 0\n");
  clock.advance(59min);
  worker.time_passed();
  worker.post(event(RunEvent::kResumed));
  EXPECT_EQ(await_lines(heard, 3), "watch_report 1 1\nresumed 0 0\nresumed 0 0\n");
  // ...and sent as one report once the interval has passed, with no further event.
  clock.advance(1min);
  worker.time_passed();
  EXPECT_EQ(await_lines(heard, 4),
            "watch_report 1 1\nresumed 0 0\nresumed 0 0\nwatch_report 2 2\n");
  worker.record_upload();  // uploads alone are no report, however much time passes
  clock.advance(2h);
  worker.time_passed();
  worker.post(event(RunEvent::kDestinationUnusable));
  EXPECT_EQ(await_lines(heard, 5),
            "watch_report 1 1\nresumed 0 0\nresumed 0 0\nwatch_report 2 2\n"
            "destination_unusable 0 0\n");
}

}  // namespace
}  // namespace imgsync::notify
