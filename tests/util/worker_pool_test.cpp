// WorkerPool with the transfer loop it reports to: results posted from worker threads run on the
// loop's thread, the loop waits for every hold, and jobs dropped at destruction are still heard
// of. Runs under ThreadSanitizer in scripts/test (the tsan stage).
#include "util/worker_pool.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "s3/http_engine.h"
#include "transfer/task_queue.h"

namespace imgsync {
namespace {

TEST(WorkerPool, ResultsComeBackOnTheLoopThreadAndTheLoopWaitsForEveryOne) {
  s3::HttpEngine engine;
  WorkerPool pool(2);
  const auto loop_thread = std::this_thread::get_id();
  std::vector<int> results;  // touched only on the loop thread
  std::atomic<int> ran_elsewhere{0};
  for (int i = 0; i < 50; ++i) {
    engine.hold();
    pool.submit([&, i] {
      if (std::this_thread::get_id() != loop_thread) ++ran_elsewhere;
      engine.post([&, i] {
        EXPECT_EQ(std::this_thread::get_id(), loop_thread);
        results.push_back(i);
      });
    });
  }
  EXPECT_EQ(engine.holds(), 50u);
  engine.run();  // returns only when every hold was released
  EXPECT_EQ(engine.holds(), 0u);
  EXPECT_EQ(results.size(), 50u);
  EXPECT_EQ(ran_elsewhere.load(), 50);
}

TEST(WorkerPool, TaskQueueRunWaitsForWorkOnOtherThreadsAndItsFollowUps) {
  s3::HttpEngine engine;
  transfer::TaskQueue queue(engine, 4);
  int follow_ups = 0;
  {
    WorkerPool pool(2);
    for (int i = 0; i < 10; ++i) {
      engine.hold();
      pool.submit([&] {
        engine.post([&] {
          // A result queues more work, as a made thumbnail queues its upload.
          queue.push([&](transfer::TaskQueue::Finished finished) {
            ++follow_ups;
            finished();
          });
        });
      });
    }
    queue.run();
  }
  EXPECT_EQ(follow_ups, 10);
  EXPECT_EQ(engine.holds(), 0u);
}

TEST(WorkerPool, AResultArrivingWhileATaskWaitsOnATimerDoesNotEndTheRun) {
  // A request backing off (a timer, as a SlowDown retry is) is not "in flight": a hold released
  // meanwhile must not look like an engine gone idle with a task that lost its callback.
  s3::HttpEngine engine;
  transfer::TaskQueue queue(engine, 2);
  bool task_finished = false, result_seen = false;
  WorkerPool pool(1);
  queue.push([&](transfer::TaskQueue::Finished finished) {
    engine.hold();
    pool.submit([&] { engine.post([&] { result_seen = true; }); });
    engine.schedule(std::chrono::milliseconds(200), [&, finished] {
      task_finished = true;
      finished();
    });
  });
  queue.run();
  EXPECT_TRUE(result_seen);
  EXPECT_TRUE(task_finished);
}

TEST(WorkerPool, ACancelledRunFinishesWhatIsQueuedButRefillsNothingMore) {
  // Cancelled (SIGTERM): the Item and thumbnail a finished file queued still go within the
  // grace; no new file is taken.
  s3::HttpEngine engine;
  transfer::TaskQueue queue(engine, 1);
  bool cancelled = false;
  int refills = 0, follow_ups = 0;
  queue.set_cancel([&] { return cancelled; }, std::chrono::milliseconds(5000));
  queue.set_refill([&] {
    ++refills;
    queue.push([&](transfer::TaskQueue::Finished finished) {
      engine.schedule(std::chrono::milliseconds(0), [&, finished] {
        cancelled = true;  // the signal arrives while the first file's work is under way
        for (int i = 0; i < 3; ++i) {
          queue.push_urgent([&](transfer::TaskQueue::Finished done) {
            ++follow_ups;
            done();
          });
        }
        finished();
      });
    });
    return true;
  });
  queue.run();
  EXPECT_EQ(refills, 1);
  EXPECT_EQ(follow_ups, 3);
}

TEST(WorkerPool, BackgroundThreadsRunAtTheNicenessAskedForAndOthersAreUntouched) {
  const int own = getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
  WorkerPool pool(1, 10);
  std::promise<int> seen;
  pool.submit(
      [&] { seen.set_value(getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)))); });
  EXPECT_EQ(seen.get_future().get(), std::min(own + 10, 19));
  EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid))), own);
}

TEST(WorkerPool, JobsNotStartedWhenThePoolGoesAreReportedDropped) {
  std::atomic<int> ran{0}, dropped{0};
  std::atomic<bool> started{false}, release{false};
  {
    WorkerPool pool(1);
    pool.submit([&] {
      started = true;
      while (!release.load()) std::this_thread::yield();
    });
    while (!started.load()) std::this_thread::yield();  // the only thread is busy now
    for (int i = 0; i < 5; ++i) {
      pool.submit([&] { ++ran; }, [&] { ++dropped; });
    }
    release = true;  // the first job ends; the pool goes while the others may still be queued
  }
  // Each of the five either ran or was reported dropped, never both, never neither.
  EXPECT_EQ(ran.load() + dropped.load(), 5);
}

}  // namespace
}  // namespace imgsync
