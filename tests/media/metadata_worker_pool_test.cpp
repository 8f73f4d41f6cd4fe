// The worker pool (issue 14): the same results as reading in this process, over the whole corpus,
// ten times; in the order given; a worker that crashes or hangs costs its file, not the run.
#include "media/metadata_worker_pool.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <csignal>
#include <thread>

#include "media/metadata_extractor.h"
#include "support/test_paths.h"

namespace imgsync::media {
namespace {

std::vector<std::filesystem::path> corpus_files() {
  std::vector<std::filesystem::path> files;
  for (const auto& item :
       std::filesystem::recursive_directory_iterator(imgsync::testing::corpus_dir() / "images")) {
    if (item.is_regular_file()) files.push_back(item.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct Outcome {
  Result<ImageMetadata> metadata;
  FileDigests digests;
};

void expect_same(const Result<ImageMetadata>& pooled, const Result<ImageMetadata>& here,
                 const std::filesystem::path& file) {
  ASSERT_EQ(pooled.ok(), here.ok()) << file;
  if (here.ok()) {
    EXPECT_EQ(*pooled, *here) << file;
  } else {
    EXPECT_EQ(pooled.error().category, here.error().category) << file;
    EXPECT_EQ(pooled.error().message, here.error().message) << file;
  }
}

std::vector<Outcome> run_pool(MetadataWorkerPool& pool,
                              const std::vector<std::filesystem::path>& files) {
  std::vector<Outcome> outcomes;
  pool.extract_all(
      files, [&](std::size_t index, Result<ImageMetadata> metadata, const FileDigests& digests) {
        EXPECT_EQ(index, outcomes.size());  // in order, each once
        outcomes.push_back({std::move(metadata), digests});
      });
  EXPECT_EQ(outcomes.size(), files.size());
  return outcomes;
}

TEST(MetadataWorkerPool, SameResultsAsReadingHereOverTheCorpusTenTimes) {
  IMGSYNC_REQUIRE_CORPUS();
  const auto files = corpus_files();
  ASSERT_GE(files.size(), 390u);
  std::vector<Result<ImageMetadata>> here;
  for (const auto& file : files) here.push_back(extract_metadata(file));

  auto pool = MetadataWorkerPool::start({.workers = 2});
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  EXPECT_EQ((*pool)->workers(), 2);
  for (int pass = 0; pass < 10; ++pass) {
    const auto pooled = run_pool(**pool, files);
    ASSERT_EQ(pooled.size(), files.size());
    for (std::size_t i = 0; i < files.size(); ++i)
      expect_same(pooled[i].metadata, here[i], files[i]);
  }
}

TEST(MetadataWorkerPool, ArchivableReadsWithDigestsMatchToo) {
  const auto files = corpus_files();
  auto pool = MetadataWorkerPool::start(
      {.workers = 3, .mode = ExtractionMode::kArchivable, .with_md5 = true});
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  const auto pooled = run_pool(**pool, files);
  ASSERT_EQ(pooled.size(), files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    FileDigests digests;
    const auto here = extract_archivable_metadata(files[i], &digests);
    expect_same(pooled[i].metadata, here, files[i]);
    EXPECT_EQ(pooled[i].digests.sha256, digests.sha256) << files[i];
    EXPECT_EQ(pooled[i].digests.md5, digests.md5) << files[i];
    EXPECT_EQ(pooled[i].digests.bytes, digests.bytes) << files[i];
  }
}

// A worker that dies on one file (Exiv2 crashing on hostile input) or never returns (a hang)
// is replaced; that file gets an error naming what happened, every other file its result.
TEST(MetadataWorkerPool, ACrashOrAHangCostsOnlyItsFile) {
  auto files = corpus_files();
  files.resize(40);
  const std::filesystem::path crash = files[5], hang = files[17];
  for (const ExtractionMode mode : {ExtractionMode::kStrict, ExtractionMode::kArchivable}) {
    auto pool =
        MetadataWorkerPool::start({.workers = 2,
                                   .mode = mode,
                                   .per_file_limit = std::chrono::milliseconds(300),
                                   .before_read = [crash, hang](const std::filesystem::path& file) {
                                     if (file == crash) std::abort();
                                     if (file == hang) ::pause();
                                   }});
    ASSERT_TRUE(pool.ok()) << pool.error().message;
    const auto pooled = run_pool(**pool, files);
    ASSERT_EQ(pooled.size(), files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
      const auto& result = pooled[i].metadata;
      if (files[i] != crash && files[i] != hang) {
        expect_same(result,
                    mode == ExtractionMode::kStrict ? extract_metadata(files[i])
                                                    : extract_archivable_metadata(files[i]),
                    files[i]);
        continue;
      }
      const std::string expected = files[i] == crash ? "crashed" : "took longer than";
      if (mode == ExtractionMode::kStrict) {
        ASSERT_FALSE(result.ok()) << files[i];
        EXPECT_EQ(result.error().category, ErrorCategory::kInvalidInput);
        EXPECT_NE(result.error().message.find(expected), std::string::npos)
            << result.error().message;
      } else {
        ASSERT_TRUE(result.ok()) << files[i];
        EXPECT_EQ(result->read_status, MetadataReadStatus::kUnreadable);
        EXPECT_NE(result->metadata_error.find(expected), std::string::npos)
            << result->metadata_error;
        EXPECT_EQ(result->sha256.size(), 64u);
      }
    }
  }
}

// Sync's way in: threads asking for one file each, more threads than workers.
TEST(MetadataWorkerPool, OneFileAtATimeFromManyThreadsMatchesReadingHere) {
  IMGSYNC_REQUIRE_CORPUS();
  const auto files = corpus_files();
  auto pool = MetadataWorkerPool::start(
      {.workers = 2, .mode = ExtractionMode::kArchivable, .with_md5 = true});
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  std::vector<std::optional<Outcome>> pooled(files.size());
  std::vector<std::thread> threads;
  constexpr std::size_t kThreads = 5;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = t; i < files.size(); i += kThreads) {
        FileDigests digests;
        auto metadata = (*pool)->extract_one(files[i], &digests);
        pooled[i] = Outcome{std::move(metadata), digests};
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (std::size_t i = 0; i < files.size(); ++i) {
    ASSERT_TRUE(pooled[i]) << files[i];
    FileDigests digests;
    const auto here = extract_archivable_metadata(files[i], &digests);
    expect_same(pooled[i]->metadata, here, files[i]);
    if (!here.ok()) continue;
    EXPECT_EQ(pooled[i]->digests.sha256, digests.sha256) << files[i];
    EXPECT_EQ(pooled[i]->digests.md5, digests.md5) << files[i];
    EXPECT_EQ(pooled[i]->digests.bytes, digests.bytes) << files[i];
  }
}

// A large file is hashed by its caller: the worker takes the digests as given.
TEST(MetadataWorkerPool, OneFileWithTheDigestsItsCallerRead) {
  IMGSYNC_REQUIRE_CORPUS();
  auto files = corpus_files();
  files.resize(30);
  auto pool = MetadataWorkerPool::start(
      {.workers = 1, .mode = ExtractionMode::kArchivable, .with_md5 = true});
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  for (const auto& file : files) {
    auto known = digest_file(file.string());
    ASSERT_TRUE(known.ok()) << file;
    known->md5[0] ^= 0xff;  // not the file's: proves the worker did not hash it again
    FileDigests digests;
    const auto pooled = (*pool)->extract_one(file, &digests, &*known);
    expect_same(pooled, extract_archivable_metadata(file, *known), file);
    EXPECT_EQ(digests.md5, known->md5) << file;
    EXPECT_EQ(digests.sha256, known->sha256) << file;
  }
}

// A worker that crashes or hangs under extract_one costs that file alone; the next file finds
// a new worker (started by the pool's spawner, this process being threaded by now).
TEST(MetadataWorkerPool, OneFileAtATimeSurvivesACrashAndAHang) {
  IMGSYNC_REQUIRE_CORPUS();
  auto files = corpus_files();
  files.resize(12);
  const std::filesystem::path crash = files[3], hang = files[7];
  auto pool = MetadataWorkerPool::start({.workers = 1,
                                         .mode = ExtractionMode::kArchivable,
                                         .with_md5 = true,
                                         .per_file_limit = std::chrono::milliseconds(300),
                                         .before_read = [crash, hang](const auto& file) {
                                           if (file == crash) std::abort();
                                           if (file == hang) ::pause();
                                         }});
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  std::thread reader([&] {  // from a thread of its own, as sync asks
    for (const auto& file : files) {
      FileDigests digests;
      const auto pooled = (*pool)->extract_one(file, &digests);
      FileDigests here_digests;
      const auto here = extract_archivable_metadata(file, &here_digests);
      ASSERT_TRUE(pooled.ok()) << file;
      EXPECT_EQ(digests.md5, here_digests.md5) << file;
      if (file != crash && file != hang) {
        expect_same(pooled, here, file);
        continue;
      }
      EXPECT_EQ(pooled->read_status, MetadataReadStatus::kUnreadable);
      EXPECT_EQ(pooled->sha256, here->sha256);
      const std::string expected =
          file == crash ? "crashed on this file (signal 6)" : "took longer than 0.3 s";
      EXPECT_NE(pooled->metadata_error.find(expected), std::string::npos) << pooled->metadata_error;
    }
  });
  reader.join();
}

TEST(MetadataWorkerPool, NoFilesNoCalls) {
  auto pool = MetadataWorkerPool::start({.workers = 1});
  ASSERT_TRUE(pool.ok());
  int calls = 0;
  (*pool)->extract_all({},
                       [&](std::size_t, Result<ImageMetadata>, const FileDigests&) { ++calls; });
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace imgsync::media
