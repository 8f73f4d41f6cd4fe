#include "catalog/journal_store.h"

#include <gtest/gtest.h>

#include <thread>

#include "support/test_paths.h"

namespace imgsync::catalog {
namespace {

FileRecord record(const std::string& path, FileState state = FileState::kPending) {
  FileRecord r;
  r.path = path;
  r.source = "/src";
  r.kind = "raw";
  r.stat = {100, 1700000000000000000, 42};
  r.sha256 = "ab";
  r.name = "proj_x_20260501";
  r.object_key = "raw/2026/05/01/proj_x_20260501.jpg";
  r.state = state;
  return r;
}

TEST(JournalStore, RecordsSurviveReopening) {
  testing::ScratchDir dir;
  {
    auto journal = JournalStore::open(dir.path() / "state");
    ASSERT_TRUE(journal.ok()) << journal.error().describe();
    ASSERT_TRUE(journal->upsert(record("/src/a.jpg")).ok());
    ASSERT_TRUE(journal->set_state("/src/a.jpg", FileState::kUploaded).ok());
  }
  auto journal = JournalStore::open(dir.path() / "state");
  ASSERT_TRUE(journal.ok());
  auto found = journal->find("/src/a.jpg");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->state, FileState::kUploaded);
  EXPECT_EQ((*found)->stat, (FileStat{100, 1700000000000000000, 42}));
  EXPECT_EQ((*found)->object_key, "raw/2026/05/01/proj_x_20260501.jpg");
  auto missing = journal->find("/src/none.jpg");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST(JournalStore, CountsRequeueAndErrors) {
  testing::ScratchDir dir;
  auto journal = JournalStore::open(dir.path());
  ASSERT_TRUE(journal.ok());
  ASSERT_TRUE(journal->upsert(record("/a", FileState::kUploaded)).ok());
  ASSERT_TRUE(journal->upsert(record("/b")).ok());
  ASSERT_TRUE(journal->upsert(record("/c")).ok());
  ASSERT_TRUE(journal->set_state("/c", FileState::kFailed, "cannot read", "local-io").ok());
  auto counts = journal->counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->total, 3);
  EXPECT_EQ(counts->by_state["uploaded"], 1);
  EXPECT_EQ(counts->by_state["failed"], 1);
  auto failed = journal->all(FileState::kFailed);
  ASSERT_TRUE(failed.ok());
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ((*failed)[0].last_error, "cannot read");
  EXPECT_EQ((*failed)[0].error_category, "local-io");
  auto requeued = journal->requeue_failed();
  ASSERT_TRUE(requeued.ok());
  EXPECT_EQ(*requeued, 1);
  EXPECT_EQ(journal->counts()->by_state["pending"], 2);
}

TEST(JournalStore, MultipartPartsAreKeptPerUpload) {
  testing::ScratchDir dir;
  auto journal = JournalStore::open(dir.path());
  ASSERT_TRUE(journal.ok());
  ASSERT_TRUE(journal->upsert(record("/big.tif")).ok());
  ASSERT_TRUE(journal->set_upload("/big.tif", "upload-1", 8 << 20).ok());
  ASSERT_TRUE(journal->add_part("/big.tif", "upload-1", {2, "e2", 8 << 20}).ok());
  ASSERT_TRUE(journal->add_part("/big.tif", "upload-1", {1, "e1", 8 << 20}).ok());
  ASSERT_TRUE(journal->add_part("/big.tif", "upload-1", {1, "e1", 8 << 20}).ok());  // idempotent
  auto parts = journal->parts("/big.tif", "upload-1");
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].part_number, 1);
  EXPECT_EQ((*journal->upload_ids()), std::vector<std::string>{"upload-1"});
  ASSERT_TRUE(journal->clear_upload("/big.tif").ok());
  EXPECT_TRUE(journal->parts("/big.tif", "upload-1")->empty());
  EXPECT_TRUE(journal->upload_ids()->empty());
}

TEST(JournalStore, CapturesFindTheirPairAndFiles) {
  testing::ScratchDir dir;
  auto journal = JournalStore::open(dir.path());
  ASSERT_TRUE(journal.ok());
  ASSERT_TRUE(journal
                  ->upsert_capture(
                      {"proj_x_20260501", "/src|x", "ab", "metadata/x.json", "", "2026/05/01", ""})
                  .ok());
  auto by_pair = journal->capture_by_pair_key("/src|x");
  ASSERT_TRUE(by_pair.ok());
  ASSERT_TRUE(by_pair->has_value());
  EXPECT_EQ((*by_pair)->name, "proj_x_20260501");
  ASSERT_TRUE(journal->upsert(record("/src/x.jpg")).ok());
  auto enhanced = record("/out/x.jpg");
  enhanced.kind = "enhanced";
  ASSERT_TRUE(journal->upsert(enhanced).ok());
  auto files = journal->files_of_capture("proj_x_20260501");
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->size(), 2u);
}

TEST(JournalStore, TwoConnectionsShareOneJournal) {
  // watch and enqueue (or two syncs) open the same journal; WAL and the busy timeout let both
  // write.
  testing::ScratchDir dir;
  auto first = JournalStore::open(dir.path());
  auto second = JournalStore::open(dir.path());
  ASSERT_TRUE(first.ok() && second.ok());
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i)
      ASSERT_TRUE(first->upsert(record("/one/" + std::to_string(i))).ok());
  });
  for (int i = 0; i < 200; ++i)
    ASSERT_TRUE(second->upsert(record("/two/" + std::to_string(i))).ok());
  writer.join();
  EXPECT_EQ(first->counts()->total, 400);
}

TEST(JournalStore, UnwritableStateDirectoryIsAClearError) {
  testing::ScratchDir dir;
  testing::write_file(dir.path() / "file", "x");
  auto journal = JournalStore::open(dir.path() / "file" / "state");
  ASSERT_FALSE(journal.ok());
  EXPECT_EQ(journal.error().category, ErrorCategory::kLocalIo);
  EXPECT_NE(journal.error().message.find("state directory"), std::string::npos);
}

TEST(JournalStore, GarbageJournalFileIsReportedAsDamaged) {
  testing::ScratchDir dir;
  testing::write_file(dir.path() / "journal.sqlite", std::string(4096, 'x'));
  auto journal = JournalStore::open(dir.path());
  ASSERT_FALSE(journal.ok());
  EXPECT_NE(journal.error().message.find("damaged"), std::string::npos) << journal.error().message;
}

}  // namespace
}  // namespace imgsync::catalog
