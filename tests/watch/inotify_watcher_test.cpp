// InotifyWatcher on real folders: what it reports, and what it refuses. Each wait is for the
// kernel's event on the watcher's descriptor (poll), bounded so a missing event fails the test
// instead of hanging it.
#include "watch/inotify_watcher.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "support/test_paths.h"

namespace imgsync::watch {
namespace {

using imgsync::testing::ScratchDir;
using imgsync::testing::write_file;

// Reads events until one of `kind` for `path` arrives (true), or none comes for 10 s (false).
bool await(InotifyWatcher& watcher, std::vector<WatchEvent>& events, WatchEvent::Kind kind,
           const std::filesystem::path& path) {
  const auto seen = [&] {
    return std::any_of(events.begin(), events.end(), [&](const WatchEvent& event) {
      return event.kind == kind && event.path == path;
    });
  };
  while (!seen()) {
    pollfd ready{.fd = watcher.fd(), .events = POLLIN, .revents = 0};
    if (::poll(&ready, 1, 10000) <= 0) return false;
    if (Status read = watcher.read_events(events); !read.ok()) {
      ADD_FAILURE() << read.error().message;
      return false;
    }
  }
  return true;
}

InotifyWatcher make_watcher() {
  auto watcher = InotifyWatcher::create();
  EXPECT_TRUE(watcher.ok()) << watcher.error().message;
  return std::move(*watcher);
}

TEST(InotifyWatcher, AFileClosedAfterWritingIsReadyInAnyFolderOfTheTree) {
  ScratchDir scratch("imgsync-watch");
  std::filesystem::create_directories(scratch.path() / "a" / "b");
  InotifyWatcher watcher = make_watcher();
  ASSERT_TRUE(watcher.add_tree(scratch.path()).ok());
  EXPECT_EQ(watcher.watch_count(), 3U);
  std::vector<WatchEvent> events;
  write_file(scratch.path() / "a" / "b" / "IMG_1.jpg", "jpeg bytes");
  EXPECT_TRUE(await(watcher, events, WatchEvent::Kind::kFileReady,
                    scratch.path() / "a" / "b" / "IMG_1.jpg"));
}

TEST(InotifyWatcher, AFolderFilledBeforeItIsMovedInLosesNothing) {
  ScratchDir scratch("imgsync-watch");
  std::filesystem::create_directories(scratch.path() / "watched");
  std::filesystem::create_directories(scratch.path() / "outside" / "day1");
  write_file(scratch.path() / "outside" / "day1" / "IMG_2.jpg", "jpeg bytes");
  InotifyWatcher watcher = make_watcher();
  ASSERT_TRUE(watcher.add_tree(scratch.path() / "watched").ok());
  std::filesystem::rename(scratch.path() / "outside" / "day1", scratch.path() / "watched" / "day1");
  std::vector<WatchEvent> events;
  EXPECT_TRUE(await(watcher, events, WatchEvent::Kind::kFileReady,
                    scratch.path() / "watched" / "day1" / "IMG_2.jpg"));
  // The new folder is watched from then on.
  write_file(scratch.path() / "watched" / "day1" / "IMG_3.jpg", "jpeg bytes");
  EXPECT_TRUE(await(watcher, events, WatchEvent::Kind::kFileReady,
                    scratch.path() / "watched" / "day1" / "IMG_3.jpg"));
}

TEST(InotifyWatcher, HiddenFoldersAreNotWatched) {
  ScratchDir scratch("imgsync-watch");
  std::filesystem::create_directories(scratch.path() / ".imgsync");
  std::filesystem::create_directories(scratch.path() / "shown");
  InotifyWatcher watcher = make_watcher();
  ASSERT_TRUE(watcher.add_tree(scratch.path()).ok());
  EXPECT_EQ(watcher.watch_count(), 2U);  // the root and "shown"
}

TEST(InotifyWatcher, ARootThatGoesAwayIsReported) {
  ScratchDir scratch("imgsync-watch");
  const auto root = scratch.path() / "photos";
  std::filesystem::create_directories(root);
  InotifyWatcher watcher = make_watcher();
  ASSERT_TRUE(watcher.add_tree(root).ok());
  std::filesystem::rename(root, scratch.path() / "moved");
  std::vector<WatchEvent> events;
  EXPECT_TRUE(await(watcher, events, WatchEvent::Kind::kRootGone, root));
}

TEST(InotifyWatcher, AFileIsNoTreeToWatch) {
  ScratchDir scratch("imgsync-watch");
  write_file(scratch.path() / "IMG_4.jpg", "jpeg bytes");
  InotifyWatcher watcher = make_watcher();
  const Status added = watcher.add_tree(scratch.path() / "IMG_4.jpg");
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.error().category, ErrorCategory::kInvalidInput);
  EXPECT_NE(added.error().message.find("not a folder"), std::string::npos);
}

}  // namespace
}  // namespace imgsync::watch
