// The watch daemon's pause while the destination is unusable: the README's "1-60 s back-off",
// as numbers (the integration test WatchTest.UnusableDestinationBacksOffFromOneSecond sees the
// first steps in the daemon's own log).
#include <gtest/gtest.h>

#include "app/watch_service.h"

namespace imgsync::app {
namespace {

using namespace std::chrono_literals;

TEST(WatchBackoff, StartsAtOneSecondDoublesAndStopsAtTheMaximum) {
  const WatchOptions defaults;
  EXPECT_EQ(defaults.max_backoff, 60s);
  std::vector<std::chrono::milliseconds> steps;
  std::chrono::milliseconds backoff{0};  // reachable: no pause yet
  for (int pass = 0; pass < 9; ++pass) {
    backoff = next_backoff(backoff, defaults.max_backoff);
    steps.push_back(backoff);
  }
  EXPECT_EQ(steps,
            (std::vector<std::chrono::milliseconds>{1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s, 60s}));
}

TEST(WatchBackoff, ASmallerMaximumIsKept) {
  EXPECT_EQ(next_backoff(0ms, 500ms), 500ms);
  EXPECT_EQ(next_backoff(4s, 5s), 5s);
}

}  // namespace
}  // namespace imgsync::app
