// The daemon's notifier thread: posting never waits for a slow notifier, reports arrive in order,
// and destruction sends what is queued before it joins.
#include "notify/notify_worker.h"

#include <gtest/gtest.h>

#include "support/test_paths.h"

namespace imgsync::notify {
namespace {

TEST(NotifyWorker, PostReturnsAtOnceAndEverythingIsSentInOrderBeforeItJoins) {
  testing::ScratchDir dir;
  const auto heard = dir.path() / "heard.txt";
  config::NotifierConfig slow;
  slow.type = "exec";
  slow.always = true;
  slow.command = {"/bin/sh", "-c", "sleep 0.5; echo \"$IMGSYNC_EVENT\" >> \"$0\"", heard.string()};
  const auto started = std::chrono::steady_clock::now();
  {
    NotifyWorker worker({slow});
    for (const char* event : {"destination_unusable", "resumed", "watch_report"}) {
      RunSummary summary;
      summary.event = event;
      worker.post(summary);
    }
    // Three half-second notifiers are still running: posting did not wait for them.
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(400));
  }
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1500));
  EXPECT_EQ(testing::read_file(heard), "destination_unusable\nresumed\nwatch_report\n");
}

}  // namespace
}  // namespace imgsync::notify
