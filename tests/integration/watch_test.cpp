// `imgsync watch` with real inotify and the real server: slow writers, atomic moves, completion
// markers (".done" and sidecars), a thousand files at once, restarts, kill -9, an endpoint outage,
// SIGHUP and SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>

#include "catalog/journal_store.h"
#include "imgsync_cli_fixture.h"
#include "util/hashing.h"

namespace imgsync::testing {
namespace {

using namespace std::chrono_literals;

class WatchTest : public ImgsyncCliTest {
 protected:
  std::filesystem::path source() const { return scratch_.path() / "incoming"; }
  std::filesystem::path state() const { return scratch_.path() / "state"; }
  std::string destination() const { return "s3://" + bucket() + "/live"; }

  std::vector<std::string> watch_args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{"watch",       source().string(), "--to",
                                  destination(), "--state-dir",     state().string(),
                                  "--json",      "--settle",        "0.3"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  std::unique_ptr<ChildProcess> start_daemon(std::vector<std::string> args) {
    std::filesystem::create_directories(source());
    auto child = std::make_unique<ChildProcess>(imgsync_binary(), args, imgsync_env(), unset_env());
    return child;
  }
  // Reads the daemon's events until `count` files were uploaded; the paths, in order. Gives up
  // (and the assertions fail) if the daemon says nothing for `quiet`.
  // Polls `file` (written by a notifier) until it reads `text`, for 2 minutes at most; what it
  // read last.
  static std::string await_text(const std::filesystem::path& file, const std::string& text) {
    std::string now;
    for (int polls = 0; polls < 1200; ++polls) {
      now = std::filesystem::exists(file) ? read_file(file) : "";
      if (now == text) break;
      std::this_thread::sleep_for(100ms);
    }
    return now;
  }
  std::vector<std::string> await_uploads(ChildProcess& daemon, int count,
                                         std::chrono::milliseconds quiet = 60s) {
    std::vector<std::string> paths;
    while (static_cast<int>(paths.size()) < count) {
      auto line = daemon.read_line(quiet);
      if (!line) break;
      auto event = nlohmann::json::parse(*line);
      if (event.value("event", "") == "uploaded") paths.push_back(event["path"]);
    }
    return paths;
  }
  std::string sample(int salt) const {
    return read_file(source_dir() / "samples" / "DSCN0042.jpg") + "salt-" + std::to_string(salt);
  }
  std::string uploaded_sha(const std::filesystem::path& path) {
    auto journal = catalog::JournalStore::open(state());
    if (!journal.ok()) return "no journal";
    auto record = journal->find(path.string());
    if (!record.ok() || !*record) return "not in the journal";
    auto head = client().head_object(bucket(), (*record)->object_key);
    return head.ok() ? head->metadata["imgsync-sha256"] : "no object";
  }
  int uploaded_count() {
    auto journal = catalog::JournalStore::open(state());
    if (!journal.ok()) return -1;
    auto records = journal->all(catalog::FileState::kUploaded);
    return records.ok() ? static_cast<int>(records->size()) : -1;
  }

  void expect_marker_holds_the_image(const std::string& marker_setting,
                                     const std::string& marker_file,
                                     const std::string& marker_content);

  ScratchDir scratch_{"imgsync-watch"};
};

TEST_F(WatchTest, SlowlyWrittenFileIsUploadedOnceAndCompleteThenSigtermStopsCleanly) {
  auto daemon = start_daemon(watch_args());
  const auto path = source() / "slow.jpg";
  std::string content;
  for (int chunk = 0; chunk < 4; ++chunk) {
    // Each chunk is written, closed (an IN_CLOSE_WRITE every time) and followed by a pause
    // shorter than the settle time: the writer is still at work.
    const std::string piece =
        chunk == 0 ? sample(1) : std::string(50000, static_cast<char>('a' + chunk));
    std::ofstream(path, std::ios::binary | std::ios::app) << piece;
    content += piece;
    std::this_thread::sleep_for(100ms);
  }
  auto uploads = await_uploads(*daemon, 1);
  ASSERT_EQ(uploads.size(), 1u);
  EXPECT_EQ(uploaded_sha(path), to_hex(sha256(content)));

  daemon->send_signal(SIGTERM);
  std::vector<nlohmann::json> rest;
  while (auto line = daemon->read_line(30s)) rest.push_back(nlohmann::json::parse(*line));
  EXPECT_EQ(daemon->wait(), 0);
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.back()["event"], "summary");
  EXPECT_EQ(rest.back()["stopped"], true);
  EXPECT_EQ(rest.back()["uploaded"], 1);  // once: the partial versions never went up
}

// Scripts (bench/watch_latency) wait for the daemon's "watching" event instead of a guess at its
// start-up: it comes first, once the folders are watched, and a file written just after it is
// uploaded.
TEST_F(WatchTest, SaysWhenItWatchesAndAFileWrittenRightAfterIsUploaded) {
  auto daemon = start_daemon(watch_args());
  auto first = daemon->read_line(60s);
  ASSERT_TRUE(first.has_value());
  auto event = nlohmann::json::parse(*first);
  EXPECT_EQ(event["event"], "watching") << *first;
  EXPECT_EQ(event["path"], source().string());
  write_file(source() / "right_after.jpg", sample(9));
  auto uploads = await_uploads(*daemon, 1);
  ASSERT_EQ(uploads.size(), 1u);
  EXPECT_EQ(uploads.front(), (source() / "right_after.jpg").string());
  daemon->send_signal(SIGTERM);
  EXPECT_EQ(daemon->wait(), 0);
}

TEST_F(WatchTest, FilesMovedInAtomicallyAndNewSubfoldersAreUploaded) {
  auto daemon = start_daemon(watch_args());
  write_file(scratch_.path() / "outside" / "moved.jpg", sample(2));
  std::filesystem::rename(scratch_.path() / "outside" / "moved.jpg", source() / "moved.jpg");
  // A whole folder moved in, with files inside that no watch has seen being written.
  write_file(scratch_.path() / "batch" / "day1" / "x.jpg", sample(3));
  write_file(scratch_.path() / "batch" / "day1" / "y.jpg", sample(4));
  std::filesystem::rename(scratch_.path() / "batch", source() / "batch");
  auto uploads = await_uploads(*daemon, 3);
  std::sort(uploads.begin(), uploads.end());
  EXPECT_EQ(uploads, (std::vector<std::string>{(source() / "batch/day1/x.jpg").string(),
                                               (source() / "batch/day1/y.jpg").string(),
                                               (source() / "moved.jpg").string()}));
}

// A source with `ready_marker` (".done" or "sidecar"): its image waits for the marker, across a
// restart too, while a plain source's image written after it goes up.
void WatchTest::expect_marker_holds_the_image(const std::string& marker_setting,
                                              const std::string& marker_file,
                                              const std::string& marker_content) {
  std::filesystem::create_directories(source() / "marked");
  std::filesystem::create_directories(source() / "plain");
  const auto config = scratch_.path() / "imgsync.toml";
  write_file(config, "destination = \"" + destination() +
                         "\"\nstate_dir = \"state\"\n"
                         "[[source]]\npath = \"incoming/marked\"\nready_marker = \"" +
                         marker_setting +
                         "\"\n[[source]]\npath = \"incoming/plain\"\n[watch]\nsettle = 0.3\n");
  const auto marked = source() / "marked" / "IMG_1.jpg";
  {
    auto daemon = start_daemon({"watch", "--config", config.string(), "--json"});
    write_file(marked, sample(5));
    write_file(source() / "plain" / "control.jpg", sample(6));
    // The control settles after the marked image was written: a marker mode that did not hold
    // the marked image would have taken it in the same pass or an earlier one.
    auto first = await_uploads(*daemon, 1);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0], (source() / "plain" / "control.jpg").string());
    daemon->send_signal(SIGTERM);  // in-flight work finishes before it exits
    nlohmann::json summary;
    while (auto line = daemon->read_line(60s)) {
      auto event = nlohmann::json::parse(*line);
      EXPECT_NE(event.value("path", ""), marked.string()) << event.dump();
      if (event.value("event", "") == "summary") summary = event;
    }
    EXPECT_EQ(daemon->wait(), 0);
    EXPECT_EQ(summary["uploaded"], 1) << summary.dump();
  }
  // Nothing of the marked image is in the bucket or recorded as uploaded: the control's image,
  // Item, thumbnail and the claim on its name only.
  EXPECT_EQ(uploaded_count(), 1);
  CurlS3 curl = independent();
  auto keys = curl.list_keys("live/");
  ASSERT_TRUE(keys.has_value()) << curl.error();
  EXPECT_EQ(keys->size(), 4u);
  // Started again (a rescan), it still waits; the marker releases the image.
  auto daemon = start_daemon({"watch", "--config", config.string(), "--json"});
  write_file(marked.parent_path() / marker_file, marker_content);
  auto second = await_uploads(*daemon, 1);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0], marked.string());
  EXPECT_EQ(uploaded_count(), 2);
}

TEST_F(WatchTest, MarkerModeWaitsForTheMarker) {
  expect_marker_holds_the_image(".done", "IMG_1.done", "");
}

TEST_F(WatchTest, SidecarMarkerModeWaitsForTheSidecar) {
  expect_marker_holds_the_image(
      "sidecar", "IMG_1.xmp",
      read_file(corpus_dir() / "images/exiv2-test-data/StaffPhotographer-Example.xmp"));
}

TEST_F(WatchTest, AThousandFilesDroppedAtOnceAreAllUploaded) {
  auto daemon = start_daemon(watch_args({"--jobs", "16"}));
  for (int i = 0; i < 1000; ++i) {
    write_file(source() / ("drop_" + std::to_string(i) + ".jpg"), sample(1000 + i));
  }
  auto uploads = await_uploads(*daemon, 1000);
  EXPECT_EQ(uploads.size(), 1000u);
  EXPECT_EQ(std::set<std::string>(uploads.begin(), uploads.end()).size(), 1000u);
}

TEST_F(WatchTest, KilledDaemonLosesNothingAndFilesWrittenWhileStoppedGoUpOnStart) {
  {
    auto daemon = start_daemon(watch_args({"--jobs", "4"}));
    for (int i = 0; i < 150; ++i)
      write_file(source() / ("k_" + std::to_string(i) + ".jpg"), sample(i));
    auto some = await_uploads(*daemon, 40);
    EXPECT_EQ(some.size(), 40u);
    daemon->kill_hard();
    daemon->wait();
  }
  for (int i = 150; i < 180; ++i)
    write_file(source() / ("k_" + std::to_string(i) + ".jpg"), sample(i));
  auto once = imgsync(watch_args({"--once"}));
  EXPECT_EQ(once.exit_code, 0) << once.err;
  EXPECT_EQ(uploaded_count(), 180);
  auto verified =
      imgsync({"verify", "--deep", "--to", destination(), "--state-dir", state().string()});
  EXPECT_EQ(verified.exit_code, 0) << verified.out;
  auto listed = client().list_all_objects(bucket(), "live/");
  ASSERT_TRUE(listed.ok());
  // Every file once, with its Item, its thumbnail and the claim on its name.
  EXPECT_EQ(listed->size(), 720u);
  auto claims = client().list_all_objects(bucket(), "live/claims/");
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->size(), 180u);
}

// Stops the gateway: on a server of its own, not the one other cases share.
const bool kOutageCaseHasItsOwnServer =
    own_server_for("WatchTest.EndpointOutagePausesNotifiesAndEverythingArrivesAfterwards");

TEST_F(WatchTest, EndpointOutagePausesNotifiesAndEverythingArrivesAfterwards) {
  std::filesystem::create_directories(source());
  const auto hook = scratch_.path() / "hook.sh";
  const auto heard = scratch_.path() / "heard.txt";
  write_file(hook, "#!/bin/sh\necho \"$IMGSYNC_EVENT\" >> \"$1\"\n");
  chmod(hook.c_str(), 0755);
  write_file(scratch_.path() / "imgsync.toml",
             "destination = \"" + destination() +
                 "\"\nstate_dir = \"state\"\n[[source]]\npath = "
                 "\"incoming\"\n[watch]\nsettle = 0.3\n[[notify]]\ntype = \"exec\"\ncommand = [\"" +
                 hook.string() + "\", \"" + heard.string() + "\"]\n");
  // Two attempts per request: the outage outlasts the retries, so the queue must pause.
  auto environment = imgsync_env();
  environment["AWS_MAX_ATTEMPTS"] = "2";
  auto daemon = std::make_unique<ChildProcess>(
      imgsync_binary(),
      std::vector<std::string>{"watch", "--config", (scratch_.path() / "imgsync.toml").string(),
                               "--json"},
      environment, unset_env());
  write_file(source() / "before.jpg", sample(7));
  ASSERT_EQ(await_uploads(*daemon, 1).size(), 1u);
  ASSERT_EQ(std::system(("'" + (source_dir() / "scripts/s3-server").string() + "' gateway-stop '" +
                         server().directory.string() + "'")
                            .c_str()),
            0);
  for (int i = 0; i < 10; ++i)
    write_file(source() / ("during_" + std::to_string(i) + ".jpg"), sample(100 + i));
  // The daemon meets the outage (its retries, then the pause it notifies): then the gateway
  // comes back. The notifier's file is the event waited for.
  EXPECT_EQ(await_text(heard, "destination_unusable\n"), "destination_unusable\n");
  ASSERT_EQ(std::system(("'" + (source_dir() / "scripts/s3-server").string() + "' gateway-start '" +
                         server().directory.string() + "'")
                            .c_str()),
            0);
  auto after = await_uploads(*daemon, 10, 120s);
  EXPECT_EQ(after.size(), 10u);
  daemon->send_signal(SIGTERM);
  EXPECT_EQ(daemon->wait(), 0);
  // One message when the queue paused, one when it resumed; none per failed file.
  EXPECT_EQ(read_file(heard), "destination_unusable\nresumed\n");
}

TEST_F(WatchTest, EnqueueHandsFilesToTheRunningDaemonAndSighupReloads) {
  std::filesystem::create_directories(source());
  write_file(scratch_.path() / "imgsync.toml", "destination = \"" + destination() +
                                                   "\"\nstate_dir = \"state\"\n[[source]]\npath = "
                                                   "\"incoming\"\n[watch]\nsettle = 0.3\n");
  auto daemon =
      start_daemon({"watch", "--config", (scratch_.path() / "imgsync.toml").string(), "--json"});
  // Enqueue a file outside every watched folder: the daemon takes it through the journal.
  write_file(scratch_.path() / "elsewhere" / "handed.jpg", sample(8));
  auto queued = imgsync({"enqueue", (scratch_.path() / "elsewhere" / "handed.jpg").string(),
                         "--config", (scratch_.path() / "imgsync.toml").string()});
  ASSERT_EQ(queued.exit_code, 0) << queued.err;
  auto handed = await_uploads(*daemon, 1);
  ASSERT_EQ(handed.size(), 1u);
  EXPECT_EQ(handed[0], (scratch_.path() / "elsewhere" / "handed.jpg").string());

  // A new source folder in the configuration, picked up on SIGHUP.
  std::filesystem::create_directories(scratch_.path() / "second");
  std::ofstream(scratch_.path() / "imgsync.toml", std::ios::app)
      << "[[source]]\npath = \"second\"\n";
  daemon->send_signal(SIGHUP);
  // The reload rescans: a file already in the new folder goes up, as does one written after.
  write_file(scratch_.path() / "second" / "new.jpg", sample(9));
  auto reloaded = await_uploads(*daemon, 1);
  ASSERT_EQ(reloaded.size(), 1u);
  EXPECT_EQ(reloaded[0], (scratch_.path() / "second" / "new.jpg").string());
}

}  // namespace
}  // namespace imgsync::testing
