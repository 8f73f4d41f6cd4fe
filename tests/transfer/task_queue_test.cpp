// TaskQueue's lanes (urgent, new work from refill, background) and its follow mode, on a real
// HttpEngine whose timers stand in for requests (no network).
#include "transfer/task_queue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace imgsync::transfer {
namespace {

using namespace std::chrono_literals;

// A task that "takes" `after` on the engine's clock, recording its start and end in `log`.
struct Recorder {
  explicit Recorder(s3::HttpEngine& on) : engine(on) {}
  s3::HttpEngine& engine;
  std::vector<std::string> log;
  int background_running = 0;
  int most_background_at_once = 0;

  TaskQueue::Task task(const std::string& name, std::chrono::milliseconds after,
                       bool background = false) {
    return [this, name, after, background](TaskQueue::Finished finished) {
      log.push_back("start " + name);
      if (background) {
        most_background_at_once = std::max(most_background_at_once, ++background_running);
      }
      engine.schedule(after, [this, name, background, finished] {
        log.push_back("end " + name);
        if (background) --background_running;
        finished();
      });
    };
  }
  std::ptrdiff_t at(const std::string& entry) const {
    auto found = std::find(log.begin(), log.end(), entry);
    EXPECT_NE(found, log.end()) << entry;
    return found - log.begin();
  }
};

TEST(TaskQueue, BackgroundWorkTrailsNewWorkOneAtATimeAndIsNeverStarved) {
  s3::HttpEngine engine;
  Recorder recorder(engine);
  TaskQueue queue(engine, 3);
  for (int i = 0; i < 3; ++i) {
    queue.push_background(recorder.task("thumbnail" + std::to_string(i), 0ms, true));
  }
  int fed = 0;
  queue.set_refill([&] {
    if (fed == 8) return false;
    queue.push(recorder.task("file" + std::to_string(fed++), 0ms));
    return true;
  });
  queue.run();
  EXPECT_EQ(fed, 8);
  EXPECT_EQ(recorder.log.size(), 22u);  // every task started and ended
  // One background task at a time while new work waits: the rest of the slots take files.
  EXPECT_EQ(recorder.most_background_at_once, 1);
  EXPECT_LT(recorder.at("start file0"), recorder.at("start thumbnail1"));
  EXPECT_LT(recorder.at("start file1"), recorder.at("start thumbnail1"));
  // ...but the background lane moves on while files still come: it is not left for the end.
  EXPECT_LT(recorder.at("start thumbnail2"), recorder.at("start file7"));
}

TEST(TaskQueue, UrgentWorkGoesBeforeNewWorkAndBackgroundWork) {
  s3::HttpEngine engine;
  Recorder recorder(engine);
  TaskQueue queue(engine, 1);
  queue.push_background(recorder.task("thumbnail", 0ms, true));
  queue.push(recorder.task("file", 0ms));
  queue.push_urgent(recorder.task("next part", 0ms));
  queue.run();
  EXPECT_EQ(recorder.log,
            (std::vector<std::string>{"start next part", "end next part", "start file", "end file",
                                      "start thumbnail", "end thumbnail"}));
}

// A refill that has nothing now and something later (a file settling while the run works).
struct LateFile {
  Recorder& recorder;
  TaskQueue& queue;
  bool arrived = false;
  int asked = 0;
  int given = 0;
  bool refill() {
    ++asked;
    if (given == 0) {
      ++given;
      queue.push(recorder.task("slow file", 200ms));
      return true;
    }
    if (given == 1 && arrived) {
      ++given;
      queue.push(recorder.task("late file", 0ms));
      return true;
    }
    return false;
  }
};

TEST(TaskQueue, FollowModeTakesWorkThatArrivesWhileTheRunIsBusy) {
  s3::HttpEngine engine;
  Recorder recorder(engine);
  TaskQueue queue(engine, 4);
  LateFile late{recorder, queue};
  queue.set_refill([&] { return late.refill(); });
  queue.follow(5ms);
  engine.schedule(20ms, [&] { late.arrived = true; });
  queue.run();
  EXPECT_EQ(late.given, 2);
  // The late file went while the slow one was still under way, not after it.
  EXPECT_LT(recorder.at("end late file"), recorder.at("end slow file"));
  EXPECT_GT(late.asked, 3) << "asked again while the slow file was under way";
}

TEST(TaskQueue, WithoutFollowARefillThatHadNothingIsNotAskedAgain) {
  s3::HttpEngine engine;
  Recorder recorder(engine);
  TaskQueue queue(engine, 4);
  LateFile late{recorder, queue};
  queue.set_refill([&] { return late.refill(); });
  engine.schedule(20ms, [&] { late.arrived = true; });
  queue.run();
  EXPECT_EQ(late.given, 1);
  EXPECT_EQ(late.asked, 2);
  EXPECT_EQ(recorder.log, (std::vector<std::string>{"start slow file", "end slow file"}));
}

TEST(TaskQueue, AFollowTimerLeftPendingAfterTheRunIsHarmless) {
  s3::HttpEngine engine;
  bool later_ran = false;
  {
    Recorder recorder(engine);
    TaskQueue queue(engine, 2);
    LateFile late{recorder, queue};
    queue.set_refill([&] { return late.refill(); });
    queue.follow(50ms);
    queue.run();  // ends with the slow file; a follow timer may still be set
  }
  // The engine outlives the queue: its timers fire on the next run without touching it.
  engine.schedule(100ms, [&] { later_ran = true; });
  engine.run_until([&] { return later_ran; });
  EXPECT_TRUE(later_ran);
}

}  // namespace
}  // namespace imgsync::transfer
