#include "catalog/journal_store.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "catalog/journal_lock.h"
#include "catalog/sqlite_database.h"
#include "support/test_paths.h"

namespace imgsync::catalog {
namespace {

FileRecord record(const std::string& path, FileState state = FileState::kPending) {
  FileRecord r;
  r.path = path;
  r.source = "/src";
  r.kind = config::SourceKind::kRaw;
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
  ASSERT_TRUE(journal
                  ->set_state("/c", FileState::kFailed, "cannot read",
                              RecordErrorKind(ErrorCategory::kLocalIo))
                  .ok());
  auto counts = journal->counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->total, 3);
  EXPECT_EQ(counts->by_state["uploaded"], 1);
  EXPECT_EQ(counts->by_state["failed"], 1);
  auto failed = journal->all(FileState::kFailed);
  ASSERT_TRUE(failed.ok());
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ((*failed)[0].last_error, "cannot read");
  EXPECT_EQ((*failed)[0].error_kind, RecordErrorKind(ErrorCategory::kLocalIo));
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
  enhanced.kind = config::SourceKind::kEnhanced;
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

TEST(JournalStore, EachDestinationHasItsOwnRecords) {
  testing::ScratchDir dir;
  auto a = JournalStore::open(dir.path(), destination_id("h:1", "b", "photos/2026"));
  auto b = JournalStore::open(dir.path(), destination_id("h:1", "b", "photos_2026"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->destination(), b->destination());
  EXPECT_EQ(destination_id("h:1", "b", "/photos/2026/"), a->destination());
  ASSERT_TRUE(a->upsert(record("/src/a.jpg", FileState::kUploaded)).ok());
  EXPECT_FALSE(b->find("/src/a.jpg")->has_value());  // nothing is "unchanged" for b
  ASSERT_TRUE(b->upsert(record("/src/a.jpg", FileState::kPending)).ok());
  EXPECT_EQ((*a->find("/src/a.jpg"))->state, FileState::kUploaded);
  EXPECT_EQ((*b->find("/src/a.jpg"))->state, FileState::kPending);
  ASSERT_TRUE(
      b->set_state("/src/a.jpg", FileState::kFailed, "x", RecordErrorKind(ErrorCategory::kLocalIo))
          .ok());
  EXPECT_EQ((*a->find("/src/a.jpg"))->state, FileState::kUploaded);
  EXPECT_EQ(a->counts()->total, 1);
  EXPECT_EQ(b->counts()->by_state["failed"], 1);
  // A store of no destination (tools, tests) sees every row.
  auto all = JournalStore::open(dir.path());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->counts()->total, 2);
}

TEST(JournalStore, CompletionRecordsWhatTheServerConfirmed) {
  testing::ScratchDir dir;
  auto journal = JournalStore::open(dir.path(), "e|b|p");
  ASSERT_TRUE(journal.ok());
  ASSERT_TRUE(journal->upsert(record("/a")).ok());
  ASSERT_TRUE(journal->complete_file("/a", "proj_x_20260501", "{}", "etag-1", "v1").ok());
  auto found = journal->find("/a");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->confirmed_key, "raw/2026/05/01/proj_x_20260501.jpg");
  EXPECT_EQ((*found)->confirmed_sha256, "ab");
  EXPECT_EQ((*found)->confirmed_etag, "etag-1");
  EXPECT_EQ((*found)->confirmed_version_id, "v1");
  ASSERT_TRUE(journal->mark_for_repair("/a", "verify: missing").ok());
  EXPECT_EQ((*journal->find("/a"))->state, FileState::kPending);
  EXPECT_EQ((*journal->find("/a"))->error_kind, RecordErrorKind::repair());
}

// The kinds are typed in the code and stored as the words journals have always held, so a
// journal written before (or by a newer imgsync) reads the same.
TEST(JournalStore, ErrorKindsAreStoredAsTheirWordsAndReadBack) {
  testing::ScratchDir dir;
  auto journal = JournalStore::open(dir.path());
  ASSERT_TRUE(journal.ok());
  for (const char* path : {"/a", "/b", "/c", "/d", "/e"}) {
    ASSERT_TRUE(journal->upsert(record(path)).ok());
  }
  ASSERT_TRUE(journal
                  ->set_state("/a", FileState::kFailed, "damaged",
                              RecordErrorKind(ErrorCategory::kInvalidInput))
                  .ok());
  ASSERT_TRUE(
      journal->set_state("/b", FileState::kFailed, "refused", RecordErrorKind::refused()).ok());
  ASSERT_TRUE(journal->mark_for_repair("/c", "verify: altered").ok());
  ASSERT_TRUE(journal
                  ->set_state("/d", FileState::kFailed, "cannot read",
                              RecordErrorKind(ErrorCategory::kLocalIo))
                  .ok());
  {
    auto database = Database::open(dir.path() / "journal.sqlite");
    ASSERT_TRUE(database.ok());
    auto query = database->prepare("SELECT path, error_category FROM files ORDER BY path");
    ASSERT_TRUE(query.ok());
    std::map<std::string, std::string> stored;
    while (*query->step()) stored[query->text(0)] = query->text(1);
    EXPECT_EQ(stored, (std::map<std::string, std::string>{{"/a", "invalid-input"},
                                                          {"/b", "refused"},
                                                          {"/c", "repair"},
                                                          {"/d", "local-io"},
                                                          {"/e", ""}}));
    // Words written by an older or a newer imgsync, straight into the table.
    ASSERT_TRUE(database
                    ->execute("UPDATE files SET error_category = 'invalid-input' WHERE path = '/d';"
                              "UPDATE files SET error_category = 'some-future-kind', "
                              "state = 'failed' WHERE path = '/e'")
                    .ok());
  }
  EXPECT_EQ((*journal->find("/a"))->error_kind, RecordErrorKind(ErrorCategory::kInvalidInput));
  EXPECT_EQ((*journal->find("/b"))->error_kind, RecordErrorKind::refused());
  EXPECT_EQ((*journal->find("/c"))->error_kind, RecordErrorKind::repair());
  EXPECT_EQ((*journal->find("/d"))->error_kind, RecordErrorKind(ErrorCategory::kInvalidInput));
  EXPECT_EQ((*journal->find("/e"))->error_kind.word(), "some-future-kind");
  EXPECT_TRUE(RecordErrorKind().empty());
  // A plain retry leaves the damaged files (invalid-input) alone: /b and /e go back.
  auto requeued = journal->requeue_failed(false);
  ASSERT_TRUE(requeued.ok());
  EXPECT_EQ(*requeued, 2);
  EXPECT_EQ((*journal->find("/a"))->state, FileState::kFailed);
  EXPECT_EQ((*journal->find("/d"))->state, FileState::kFailed);
  EXPECT_EQ((*journal->find("/b"))->state, FileState::kPending);
  EXPECT_EQ(*journal->requeue_failed(true), 2);
}

TEST(JournalStore, SchemaOneJournalIsMigratedAndAdoptedByOneDestination) {
  testing::ScratchDir dir;
  {
    auto database = Database::open(dir.path() / "journal.sqlite");
    ASSERT_TRUE(database.ok());
    ASSERT_TRUE(database
                    ->execute(R"sql(
CREATE TABLE files (path TEXT PRIMARY KEY, source TEXT NOT NULL, kind TEXT NOT NULL,
  size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, inode INTEGER NOT NULL,
  sha256 TEXT NOT NULL DEFAULT '', name TEXT NOT NULL DEFAULT '',
  object_key TEXT NOT NULL DEFAULT '', item_key TEXT NOT NULL DEFAULT '', state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
  error_category TEXT NOT NULL DEFAULT '', upload_id TEXT NOT NULL DEFAULT '',
  part_size INTEGER NOT NULL DEFAULT 0, metadata TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL);
CREATE INDEX files_by_state ON files(state);
CREATE TABLE parts (path TEXT NOT NULL, upload_id TEXT NOT NULL, part_number INTEGER NOT NULL,
  etag TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (path, upload_id, part_number));
CREATE TABLE captures (name TEXT PRIMARY KEY, pair_key TEXT NOT NULL,
  owner_sha256 TEXT NOT NULL, item_key TEXT NOT NULL DEFAULT '',
  item_sha256 TEXT NOT NULL DEFAULT '', date_path TEXT NOT NULL DEFAULT '',
  item_json TEXT NOT NULL DEFAULT '');
INSERT INTO files VALUES ('/src/a.jpg', '/src', 'raw', 100, 7, 42, 'ab', 'n', 'p/raw/k.jpg',
  'p/metadata/k.json', 'uploaded', 1, '', '', '', 0, '{}', 1);
INSERT INTO files VALUES ('/src/b.jpg', '/src', 'raw', 100, 7, 43, 'cd', 'm', 'p/raw/m.jpg',
  'p/metadata/m.json', 'pending', 0, '', '', 'up-1', 5242880, '{}', 1);
INSERT INTO parts VALUES ('/src/b.jpg', 'up-1', 1, 'e1', 5242880);
INSERT INTO captures VALUES ('n', 'x', 'ab', 'p/metadata/k.json', 'ff', '2026/05/01', '{}');
PRAGMA user_version = 1;
)sql")
                    .ok());
  }
  auto journal = JournalStore::open(dir.path(), "e|b|p");
  ASSERT_TRUE(journal.ok()) << journal.error().describe();
  EXPECT_EQ(*journal->legacy_row_count(), 2);
  EXPECT_FALSE(journal->find("/src/a.jpg")->has_value());  // not this destination's yet
  auto sample = journal->legacy_uploaded_sample(3);
  ASSERT_TRUE(sample.ok());
  ASSERT_EQ(sample->size(), 1u);
  EXPECT_EQ((*sample)[0].confirmed_sha256, "ab");  // uploaded then: confirmed by the server
  ASSERT_TRUE(journal->adopt_legacy_rows().ok());
  EXPECT_EQ(*journal->legacy_row_count(), 0);
  EXPECT_EQ((*journal->find("/src/a.jpg"))->state, FileState::kUploaded);
  EXPECT_EQ(journal->parts("/src/b.jpg", "up-1")->size(), 1u);
  auto capture = journal->capture_by_name("n");
  ASSERT_TRUE(capture.ok() && capture->has_value());
  EXPECT_TRUE((*capture)->claimed);
  // Another destination sees none of it.
  auto other = JournalStore::open(dir.path(), "e|b|q");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->counts()->total, 0);
}

// A journal of the previous release has no item_etag: opening it adds the column, its captures
// read with none (their next Item write only creates, and merges with what the bucket holds).
// An Item recorded as uploaded keeps the bucket's version and ETag; one changed since it was
// sent stays dirty.
TEST(JournalStore, ItemETagIsAddedToAnEarlierJournalAndRecordedWithTheStoredItem) {
  testing::ScratchDir dir;
  {
    auto journal = JournalStore::open(dir.path());
    ASSERT_TRUE(journal.ok());
    ASSERT_TRUE(journal
                    ->upsert_capture({"cap", "/src|x", "ab", "metadata/x.json", "ff", "2026/05/01",
                                      "{\"sent\":1}"})
                    .ok());
  }
  {
    auto database = Database::open(dir.path() / "journal.sqlite");
    ASSERT_TRUE(database.ok());
    ASSERT_TRUE(database->execute("ALTER TABLE captures DROP COLUMN item_etag").ok());
  }
  auto journal = JournalStore::open(dir.path());
  ASSERT_TRUE(journal.ok()) << journal.error().describe();
  auto capture = journal->capture_by_name("cap");
  ASSERT_TRUE(capture.ok() && capture->has_value());
  EXPECT_EQ((*capture)->item_etag, "");
  EXPECT_EQ((*capture)->item_sha256, "ff");
  ASSERT_TRUE(journal->mark_item_dirty("cap").ok());
  // Changed since: stays dirty; over a merge the earlier ETag is kept, else the new one taken.
  ASSERT_TRUE(journal->set_item_uploaded("cap", "{}", "{\"merged\":0}", "11", "e1").ok());
  EXPECT_EQ((*journal->capture_by_name("cap"))->item_etag, "");
  ASSERT_TRUE(journal->set_item_uploaded("cap", "{}", "{}", "11", "e1").ok());
  EXPECT_EQ((*journal->capture_by_name("cap"))->item_etag, "e1");
  EXPECT_EQ((*journal->capture_by_name("cap"))->item_json, "{\"sent\":1}");
  EXPECT_EQ(journal->dirty_captures()->size(), 1u);
  ASSERT_TRUE(journal->set_item_uploaded("cap", "{\"sent\":1}", "{\"merged\":1}", "22", "e2").ok());
  capture = journal->capture_by_name("cap");
  EXPECT_EQ((*capture)->item_json, "{\"merged\":1}");
  EXPECT_EQ((*capture)->item_sha256, "22");
  EXPECT_EQ((*capture)->item_etag, "e2");
  EXPECT_TRUE(journal->dirty_captures()->empty());
}

TEST(JournalLock, ASecondHolderIsRefusedNamingTheFirst) {
  testing::ScratchDir dir;
  auto first = JournalLock::acquire(dir.path(), "imgsync watch");
  ASSERT_TRUE(first.ok());
  auto second = JournalLock::acquire(dir.path(), "imgsync watch");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().category, ErrorCategory::kConflict);
  EXPECT_NE(second.error().message.find("already watched by imgsync watch (pid " +
                                        std::to_string(getpid())),
            std::string::npos)
      << second.error().message;
  { auto released = std::move(*first); }
  EXPECT_TRUE(JournalLock::acquire(dir.path(), "imgsync watch").ok());
}

}  // namespace
}  // namespace imgsync::catalog

namespace imgsync::catalog {
namespace {

// Group commit (a sync run's journal writes in few commits): another connection sees the writes
// only once they are committed; each group's first write announces it once.
TEST(JournalGroupCommit, OthersSeeWritesOnlyOnceCommitted) {
  testing::ScratchDir dir;
  auto writer = JournalStore::open(dir.path());
  auto reader = JournalStore::open(dir.path());
  ASSERT_TRUE(writer.ok() && reader.ok());
  int opened = 0;
  writer->begin_group_commit([&opened] { ++opened; });
  ASSERT_TRUE(writer->upsert(record("/src/a.jpg")).ok());
  ASSERT_TRUE(writer->set_state("/src/a.jpg", FileState::kUploaded).ok());
  ASSERT_TRUE(writer->upsert(record("/src/b.jpg")).ok());
  EXPECT_EQ(opened, 1);
  EXPECT_EQ(writer->counts()->total, 2);  // its own writes, before the commit
  EXPECT_EQ(reader->counts()->total, 0);
  ASSERT_TRUE(writer->commit_group().ok());
  EXPECT_EQ(reader->counts()->total, 2);
  EXPECT_EQ((*reader->find("/src/a.jpg"))->state, FileState::kUploaded);
  ASSERT_TRUE(writer->upsert(record("/src/c.jpg")).ok());
  EXPECT_EQ(opened, 2);
  ASSERT_TRUE(writer->end_group_commit().ok());
  EXPECT_EQ(reader->counts()->total, 3);
  ASSERT_TRUE(writer->upsert(record("/src/d.jpg")).ok());  // its own transaction again
  EXPECT_EQ(opened, 2);
  EXPECT_EQ(reader->counts()->total, 4);
}

// A crash (the connection gone without a commit) loses only what was not yet committed.
TEST(JournalGroupCommit, ACrashLosesOnlyTheUncommittedWrites) {
  testing::ScratchDir dir;
  {
    auto journal = JournalStore::open(dir.path());
    ASSERT_TRUE(journal.ok());
    journal->begin_group_commit({});
    ASSERT_TRUE(journal->upsert(record("/src/kept.jpg")).ok());
    ASSERT_TRUE(journal->commit_group().ok());
    ASSERT_TRUE(journal->upsert(record("/src/lost.jpg")).ok());
    ASSERT_TRUE(journal->set_state("/src/kept.jpg", FileState::kUploaded).ok());
  }
  auto journal = JournalStore::open(dir.path());
  ASSERT_TRUE(journal.ok());
  EXPECT_EQ(journal->counts()->total, 1);
  EXPECT_EQ((*journal->find("/src/kept.jpg"))->state, FileState::kPending);
  EXPECT_FALSE(journal->find("/src/lost.jpg")->has_value());
}

// A transaction inside an open group is a savepoint: rolled back, it undoes only its own writes.
TEST(JournalGroupCommit, ATransactionInsideTheGroupRollsBackOnlyItself) {
  testing::ScratchDir dir;
  auto journal = JournalStore::open(dir.path());
  ASSERT_TRUE(journal.ok());
  journal->begin_group_commit({});
  ASSERT_TRUE(journal->upsert(record("/src/before.jpg")).ok());
  {
    Database::Transaction inner(journal->database());
    ASSERT_TRUE(inner.begun().ok()) << inner.begun().error().message;
    ASSERT_TRUE(journal->upsert(record("/src/undone.jpg")).ok());
  }  // not committed: rolled back
  {
    Database::Transaction inner(journal->database());
    ASSERT_TRUE(inner.begun().ok());
    ASSERT_TRUE(journal->upsert(record("/src/inner.jpg")).ok());
    ASSERT_TRUE(inner.commit().ok());
  }
  ASSERT_TRUE(journal->end_group_commit().ok());
  auto reopened = JournalStore::open(dir.path());
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE(reopened->find("/src/before.jpg")->has_value());
  EXPECT_TRUE(reopened->find("/src/inner.jpg")->has_value());
  EXPECT_FALSE(reopened->find("/src/undone.jpg")->has_value());
}

// Another process writing while a group is open waits for its commit, then gets in.
TEST(JournalGroupCommit, AnotherWriterGetsInBetweenCommits) {
  testing::ScratchDir dir;
  auto grouped = JournalStore::open(dir.path());
  auto other = JournalStore::open(dir.path());
  ASSERT_TRUE(grouped.ok() && other.ok());
  grouped->begin_group_commit({});
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(grouped->upsert(record("/grouped/" + std::to_string(i))).ok());
      if (i % 10 == 9) {
        ASSERT_TRUE(grouped->commit_group().ok());
      }
    }
    ASSERT_TRUE(grouped->end_group_commit().ok());
  });
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(other->upsert(record("/other/" + std::to_string(i))).ok());
  }
  writer.join();
  EXPECT_EQ(other->counts()->total, 250);
}

}  // namespace
}  // namespace imgsync::catalog
