// SyncFeed on real files and a real journal, without S3: new files are fed, files confirmed for
// this destination and unchanged are skipped, a file confirmed only for another destination is
// fed, a pending file gone from the disk leaves the journal once, and pending files outside
// the walk (enqueued elsewhere) are fed after it.
#include "app/sync_feed.h"

#include <gtest/gtest.h>

#include <set>

#include "support/test_paths.h"

namespace imgsync::app {
namespace {

using ::imgsync::testing::ScratchDir;
using ::imgsync::testing::write_file;

class SyncFeedTest : public ::testing::Test {
 protected:
  SyncFeedTest() {
    std::filesystem::create_directories(photos());
    config::SourceFolder source;
    source.path = photos();
    source.kind = config::SourceKind::kEnhanced;
    config_.sources.push_back(source);
  }
  std::filesystem::path photos() const { return dir_.path() / "photos"; }
  catalog::JournalStore open(const std::string& destination) {
    auto journal = catalog::JournalStore::open(dir_.path() / "state", destination);
    EXPECT_TRUE(journal.ok());
    return std::move(*journal);
  }
  // The paths the feed hands out, in order; `report_` counts the rest.
  std::vector<std::string> feed(catalog::JournalStore& journal) {
    report_ = {};
    vanishing_.clear();
    SyncFeed feed(
        config_, journal, options_, report_,
        FeedHooks{
            .emit = [](const SyncEvent&) {},
            .journal_failed = [](const Status& status) { EXPECT_TRUE(status.ok()); },
            .vanishing =
                [this](const catalog::FileRecord& record) { vanishing_.push_back(record.path); }});
    EXPECT_TRUE(feed.begin().ok());
    std::vector<std::string> paths;
    while (auto item = feed.next()) paths.push_back(item->file.path.string());
    return paths;
  }
  // Records `file` as uploaded and confirmed at its key, with its current stat.
  void confirm(catalog::JournalStore& journal, const std::filesystem::path& file) {
    auto stat = stat_file(file);
    ASSERT_TRUE(stat.ok());
    catalog::FileRecord record;
    record.path = file.string();
    record.source = photos().string();
    record.kind = config::SourceKind::kEnhanced;
    record.stat = *stat;
    record.sha256 = std::string(64, 'a');
    record.object_key = "p/enhanced/x.jpg";
    record.state = catalog::FileState::kUploaded;
    record.confirmed_key = record.object_key;
    record.confirmed_sha256 = record.sha256;
    ASSERT_TRUE(journal.upsert(record).ok());
  }

  ScratchDir dir_;
  config::AppConfig config_;
  SyncOptions options_;
  SyncReport report_;
  std::vector<std::string> vanishing_;
};

TEST_F(SyncFeedTest, NewFilesAreFedAndConfirmedUnchangedOnesAreSkipped) {
  write_file(photos() / "a.jpg", "aaaa");
  write_file(photos() / "b.jpg", "bbbb");
  auto journal = open("endpoint|b|p");
  auto first = feed(journal);
  EXPECT_EQ(std::set<std::string>(first.begin(), first.end()),
            (std::set<std::string>{(photos() / "a.jpg").string(), (photos() / "b.jpg").string()}));
  confirm(journal, photos() / "a.jpg");
  auto second = feed(journal);
  EXPECT_EQ(second, std::vector<std::string>{(photos() / "b.jpg").string()});
  EXPECT_EQ(report_.unchanged, 1);
}

TEST_F(SyncFeedTest, AFileConfirmedOnlyForAnotherDestinationIsFedForThisOne) {
  write_file(photos() / "a.jpg", "aaaa");
  {
    auto other = open("endpoint|other|p");
    confirm(other, photos() / "a.jpg");
    EXPECT_TRUE(feed(other).empty());
  }
  auto journal = open("endpoint|b|p");
  EXPECT_EQ(feed(journal), std::vector<std::string>{(photos() / "a.jpg").string()});
  EXPECT_EQ(report_.unchanged, 0);
}

TEST_F(SyncFeedTest, APendingFileGoneFromTheDiskLeavesTheJournalOnce) {
  auto journal = open("endpoint|b|p");
  catalog::FileRecord gone;
  gone.path = (photos() / "gone.jpg").string();
  gone.source = photos().string();
  gone.kind = config::SourceKind::kEnhanced;
  gone.state = catalog::FileState::kPending;
  ASSERT_TRUE(journal.upsert(gone).ok());
  EXPECT_TRUE(feed(journal).empty());
  EXPECT_EQ(report_.vanished, 1);
  EXPECT_EQ(vanishing_, std::vector<std::string>{gone.path});
  auto found = journal.find(gone.path);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  feed(journal);
  EXPECT_EQ(report_.vanished, 0) << "reported once";
}

TEST_F(SyncFeedTest, PendingFilesOutsideTheWalkAreFedAfterIt) {
  const auto elsewhere = dir_.path() / "elsewhere";
  write_file(elsewhere / "e.jpg", "eeee");
  write_file(photos() / "a.jpg", "aaaa");
  auto journal = open("endpoint|b|p");
  catalog::FileRecord enqueued;
  enqueued.path = (elsewhere / "e.jpg").string();
  enqueued.source = elsewhere.string();
  enqueued.kind = config::SourceKind::kEnhanced;
  enqueued.state = catalog::FileState::kPending;
  ASSERT_TRUE(journal.upsert(enqueued).ok());
  EXPECT_EQ(feed(journal),
            (std::vector<std::string>{(photos() / "a.jpg").string(), enqueued.path}));
}

TEST_F(SyncFeedTest, FilesGivenWhileARunGoesOnAreFedAfterTheWalkButNeverTwice) {
  // Watch hands over files that settle while its run works (SyncOptions::follow): they join the
  // run, except one the run already took (it changed since): that one waits for the next run.
  write_file(photos() / "a.jpg", "aaaa");
  write_file(photos() / "b.jpg", "bbbb");
  auto journal = open("endpoint|b|p");
  SyncFeed feed(config_, journal, options_, report_,
                FeedHooks{.emit = [](const SyncEvent&) {},
                          .journal_failed = [](const Status& status) { EXPECT_TRUE(status.ok()); },
                          .vanishing = [](const catalog::FileRecord&) {}});
  ASSERT_TRUE(feed.begin().ok());
  auto first = feed.next();
  ASSERT_TRUE(first.has_value());
  const std::filesystem::path taken = first->file.path;
  const std::filesystem::path other =
      taken.filename() == "a.jpg" ? photos() / "b.jpg" : photos() / "a.jpg";
  write_file(photos() / "c.jpg", "cccc");
  auto scanned = [this](const std::filesystem::path& path) {
    auto file = classify_path(path, config_.sources);
    EXPECT_TRUE(file.has_value()) << path;
    return *file;
  };
  auto refused = feed.give({scanned(taken), scanned(photos() / "c.jpg")});
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].path, taken);
  std::vector<std::string> rest;
  while (auto item = feed.next()) rest.push_back(item->file.path.string());
  EXPECT_EQ(rest, (std::vector<std::string>{other.string(), (photos() / "c.jpg").string()}));
}

}  // namespace
}  // namespace imgsync::app
