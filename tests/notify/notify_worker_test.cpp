// The daemon's notifier thread: recording and posting never wait for a slow notifier, reports
// arrive in order, failures are batched per interval (a held batch goes out when the interval
// passes, without a further event), and destruction sends what is left before it joins.
#include "notify/notify_worker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "support/test_paths.h"

namespace imgsync::notify {
namespace {

using namespace std::chrono_literals;

// An exec notifier appending "EVENT FAILED UPLOADED" to `file`, after `delay` seconds.
config::NotifierConfig recorder(const std::filesystem::path& file, const char* delay = "0") {
  config::NotifierConfig notifier;
  notifier.type = "exec";
  notifier.always = true;
  notifier.command = {"/bin/sh", "-c",
                      "sleep \"$1\"; echo \"$IMGSYNC_EVENT $IMGSYNC_FAILED $IMGSYNC_UPLOADED\" >> "
                      "\"$0\"",
                      file.string(), delay};
  return notifier;
}

std::string read_if_there(const std::filesystem::path& file) {
  return std::filesystem::exists(file) ? testing::read_file(file) : "";
}

// Polls the file until it holds `lines` lines or 10 s pass.
std::string await_lines(const std::filesystem::path& file, int lines) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::string text = read_if_there(file);
  while (std::count(text.begin(), text.end(), '\n') < lines &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    text = read_if_there(file);
  }
  return text;
}

TEST(NotifyWorker, PostReturnsAtOnceAndEverythingIsSentInOrderBeforeItJoins) {
  testing::ScratchDir dir;
  const auto heard = dir.path() / "heard.txt";
  const auto started = std::chrono::steady_clock::now();
  {
    NotifyWorker worker({recorder(heard, "0.5")}, "s3://b/p");
    for (const char* event : {"destination_unusable", "resumed"}) {
      RunSummary summary;
      summary.event = event;
      worker.post(summary);
    }
    worker.record_failure("a.jpg: bad");
    // Three half-second notifiers are still to run: nothing here waited for them.
    EXPECT_LT(std::chrono::steady_clock::now() - started, 400ms);
  }
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1500ms);
  EXPECT_EQ(read_if_there(heard), "destination_unusable 0 0\nresumed 0 0\nwatch_report 1 0\n");
}

TEST(NotifyWorker, FailuresAreBatchedPerIntervalAndAHeldBatchGoesOutWhenItEnds) {
  testing::ScratchDir dir;
  const auto heard = dir.path() / "heard.txt";
  NotifyWorker worker({recorder(heard)}, "s3://b/p", 300ms);
  worker.record_upload();
  worker.record_failure("a.jpg: bad");  // the first: at once
  EXPECT_EQ(await_lines(heard, 1), "watch_report 1 1\n");
  const auto first_sent = std::chrono::steady_clock::now();
  worker.record_upload();
  worker.record_upload();
  worker.record_failure("b.jpg: bad");  // within the interval: held...
  worker.record_failure("c.jpg: bad");
  // ...and sent as one report once the interval has passed, with no further event.
  EXPECT_EQ(await_lines(heard, 2), "watch_report 1 1\nwatch_report 2 2\n");
  EXPECT_GE(std::chrono::steady_clock::now() - first_sent, 250ms);
  worker.record_upload();              // uploads alone are no report
  std::this_thread::sleep_for(400ms);  // an interval with nothing to send: nothing may arrive
  EXPECT_EQ(read_if_there(heard), "watch_report 1 1\nwatch_report 2 2\n");
}

}  // namespace
}  // namespace imgsync::notify
