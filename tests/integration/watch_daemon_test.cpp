// The daemon's README promises that need a server it cannot reach or that never answers (through
// tests/support's FaultProxy): a full rescan after an inotify queue overflow, SIGTERM abandoning
// a request that does not finish (the 10 s bound), and the 1 s, 2 s, ... back-off while the
// destination is unusable. Each waits on events (the proxy's counters, the daemon's output and
// log), never on a clock.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "imgsync_cli_fixture.h"
#include "support/fault_proxy.h"

namespace imgsync::testing {
namespace {

using namespace std::chrono_literals;

// PUT requests held back for an hour (the first `count` of them; -1: all).
FaultPolicy held_puts(int count) {
  FaultPolicy policy;
  policy.delay = 1.0;
  policy.delay_by = 1h;
  policy.only_method = "PUT";
  policy.max_faults = count;
  return policy;
}

class WatchDaemonTest : public ImgsyncCliTest {
 protected:
  std::filesystem::path source() const { return scratch_.path() / "incoming"; }
  std::filesystem::path log_file() const { return scratch_.path() / "daemon.log"; }

  std::unique_ptr<ChildProcess> start_daemon(const FaultProxy& proxy,
                                             std::map<std::string, std::string> extra = {}) {
    std::filesystem::create_directories(source());
    auto environment = imgsync_env(proxy.endpoint());
    for (auto& [name, value] : extra) environment[name] = value;
    return std::make_unique<ChildProcess>(
        imgsync_binary(),
        std::vector<std::string>{"watch", source().string(), "--to", "s3://" + bucket() + "/d",
                                 "--state-dir", (scratch_.path() / "state").string(), "--json",
                                 "--settle", "0.3", "--log-file", log_file().string(),
                                 "--log-format", "json"},
        environment, unset_env());
  }
  // The paths of the next `count` uploads the daemon reports (fewer if it falls silent).
  static std::vector<std::string> await_uploads(ChildProcess& daemon, int count) {
    std::vector<std::string> paths;
    while (static_cast<int>(paths.size()) < count) {
      auto line = daemon.read_line(120s);
      if (!line) break;
      auto event = nlohmann::json::parse(*line, nullptr, false);
      if (event.value("event", "") == "uploaded") paths.push_back(event["path"]);
    }
    return paths;
  }
  // Polls the daemon's log until a record's message contains each of `parts` in order (the
  // record is the event); gives up after 2 minutes. The messages seen.
  std::vector<std::string> await_log(const std::vector<std::string>& parts) const {
    std::vector<std::string> messages;
    for (int polls = 0; polls < 1200; ++polls) {
      messages.clear();
      std::ifstream in(log_file());
      std::size_t next = 0;
      for (std::string line; std::getline(in, line);) {
        auto record = nlohmann::json::parse(line, nullptr, false);
        if (record.is_discarded()) continue;
        const std::string message = record.value("message", "");
        if (next < parts.size() && message.find(parts[next]) != std::string::npos) {
          messages.push_back(message);
          ++next;
        }
      }
      if (next == parts.size()) break;
      std::this_thread::sleep_for(100ms);
    }
    return messages;
  }
  std::string image(int salt) const {
    return read_file(source_dir() / "samples" / "DSCN0042.jpg") + "salt-" + std::to_string(salt);
  }

  ScratchDir scratch_{"imgsync-daemon"};
};

// More events arrive than the kernel queues while the daemon is not reading them (stopped with
// SIGSTOP: a busy daemon reads events even inside a run, see the next case): the overflow makes
// it rescan every folder, which finds the image written after the queue was full.
TEST_F(WatchDaemonTest, InotifyOverflowRescansEveryFolder) {
  FaultProxy proxy(server().host);
  auto daemon = start_daemon(proxy);
  write_file(source() / "first.jpg", image(1));
  ASSERT_EQ(await_uploads(*daemon, 1), std::vector<std::string>{(source() / "first.jpg").string()});
  daemon->send_signal(SIGSTOP);
  const int queue_limit = std::stoi(read_file("/proc/sys/fs/inotify/max_queued_events"));
  for (int i = 0; i <= queue_limit; ++i) {
    std::ofstream(source() / ("noise_" + std::to_string(i) + ".tmp")) << i;
  }
  write_file(source() / "lost.jpg", image(2));  // its events find the queue full
  daemon->send_signal(SIGCONT);
  EXPECT_EQ(await_uploads(*daemon, 1), std::vector<std::string>{(source() / "lost.jpg").string()});
  EXPECT_EQ(await_log({"inotify queue overflowed; rescanning every folder"}).size(), 1u);
  daemon->send_signal(SIGTERM);
  EXPECT_EQ(daemon->wait(), 0);
}

// A file that settles while the daemon's run is busy (its first PUT held by the proxy; in
// practice thumbnails being made, a big file) joins that run: it never waits for the run's end.
TEST_F(WatchDaemonTest, AFileThatSettlesWhileARunIsBusyJoinsIt) {
  FaultProxy proxy(server().host, held_puts(1));
  auto daemon = start_daemon(proxy);
  write_file(source() / "first.jpg", image(1));  // the claim of its name is held
  ASSERT_TRUE(proxy.wait_for([](const FaultCounters& c) { return c.delayed == 1; }, 120s));
  write_file(source() / "second.jpg", image(2));
  EXPECT_EQ(await_uploads(*daemon, 1), std::vector<std::string>{(source() / "second.jpg").string()})
      << "the second file waited for the end of the first one's run";
  proxy.release_held();
  EXPECT_EQ(await_uploads(*daemon, 1), std::vector<std::string>{(source() / "first.jpg").string()});
  daemon->send_signal(SIGTERM);
  EXPECT_EQ(daemon->wait(), 0);
}

// SIGTERM while a request hangs (held by the proxy for an hour): the daemon gives the request
// its bounded grace, abandons it and exits cleanly, with the request still held. How long the
// grace is (10 s) is not timed here: that it exits at all, with the request unanswered, is the
// bound; a daemon that waited for the request would hang until ctest's timeout.
TEST_F(WatchDaemonTest, SigtermAbandonsARequestThatNeverFinishes) {
  FaultProxy proxy(server().host, held_puts(-1));
  auto daemon = start_daemon(proxy);
  write_file(source() / "stuck.jpg", image(3));
  ASSERT_TRUE(proxy.wait_for([](const FaultCounters& c) { return c.delayed >= 1; }, 120s));
  const int forwarded = proxy.counters().forwarded;
  daemon->send_signal(SIGTERM);
  nlohmann::json summary;
  while (auto line = daemon->read_line(120s)) {
    auto event = nlohmann::json::parse(*line, nullptr, false);
    if (event.value("event", "") == "summary") summary = event;
  }
  EXPECT_EQ(daemon->wait(), 0);
  EXPECT_EQ(summary["stopped"], true) << summary.dump();
  EXPECT_EQ(summary["uploaded"], 0) << summary.dump();
  EXPECT_EQ(proxy.counters().forwarded, forwarded) << "the held PUT never reached the server";
  auto listed = client().list_all_objects(bucket(), "d/");
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
}

// An unreachable destination (the proxy refuses every connection; one attempt per request):
// the daemon pauses 1 s, then 2 s, then 4 s, as its log says, and resumes when it is back.
TEST_F(WatchDaemonTest, UnusableDestinationBacksOffFromOneSecondDoubling) {
  FaultProxy proxy(server().host);
  proxy.refuse_connections(true);
  auto daemon = start_daemon(proxy, {{"AWS_MAX_ATTEMPTS", "1"}});
  write_file(source() / "waiting.jpg", image(4));
  const auto pauses = await_log({"retrying in 1 s", "retrying in 2 s", "retrying in 4 s"});
  ASSERT_EQ(pauses.size(), 3u) << "the back-off notices seen: " << ::testing::PrintToString(pauses);
  for (const auto& pause : pauses) EXPECT_NE(pause.find("destination unusable"), std::string::npos);
  proxy.refuse_connections(false);
  EXPECT_EQ(await_uploads(*daemon, 1),
            std::vector<std::string>{(source() / "waiting.jpg").string()});
  EXPECT_EQ(await_log({"destination reachable again; resuming"}).size(), 1u);
  daemon->send_signal(SIGTERM);
  EXPECT_EQ(daemon->wait(), 0);
}

}  // namespace
}  // namespace imgsync::testing
