// Sync's metadata step (issue 14): the whole corpus read through MetadataReader as SyncService
// reads it (a TaskQueue refilled one file at a time on a real HttpEngine loop), in the worker
// pool ten times, against one run without it: the same metadata and digests for every file, and
// each small file's result delivered in the order the files were handed in.
#include "app/metadata_reader.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include <csignal>

#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "media/metadata_extractor.h"
#include "support/test_paths.h"

namespace imgsync::app {
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

struct Delivered {
  std::filesystem::path path;
  Result<media::ImageMetadata> metadata;
  FileDigests digests;
};

// Every 9th file goes the large-file way (hashed on a thread first).
bool large(std::size_t index) {
  return index % 9 == 4;
}

// Reads `files` the way SyncService::Run does: refill starts one file at a time while the
// queue has a free slot; results come back on the loop thread.
std::vector<Delivered> read_all(media::MetadataWorkerPool* pool,
                                const std::vector<std::filesystem::path>& files) {
  s3::HttpEngine engine;
  MetadataReader reader(engine, pool);
  transfer::TaskQueue queue(engine, 16);
  std::vector<Delivered> delivered;
  std::size_t next = 0;
  queue.set_refill([&] {
    while (next < files.size()) {
      const std::size_t index = next++;
      const auto path = files[index];
      const bool queued = reader.read(
          queue, path, large(index),
          [&delivered, path](Result<media::ImageMetadata> metadata, const FileDigests& digests) {
            delivered.push_back({path, std::move(metadata), digests});
            return false;  // nothing more queued for it (as for an unchanged file)
          });
      if (queued) return true;
    }
    return false;
  });
  queue.run();
  return delivered;
}

void expect_same(const Delivered& pooled, const Delivered& here) {
  ASSERT_EQ(pooled.metadata.ok(), here.metadata.ok()) << here.path;
  if (!here.metadata.ok()) {
    EXPECT_EQ(pooled.metadata.error().message, here.metadata.error().message);
    return;
  }
  EXPECT_EQ(*pooled.metadata, *here.metadata) << here.path;
  EXPECT_EQ(pooled.digests.sha256, here.digests.sha256) << here.path;
  EXPECT_EQ(pooled.digests.md5, here.digests.md5) << here.path;
  EXPECT_EQ(pooled.digests.bytes, here.digests.bytes) << here.path;
}

// The small files in the order they came back.
std::vector<std::filesystem::path> small_order(const std::vector<Delivered>& delivered,
                                               const std::vector<std::filesystem::path>& files) {
  std::map<std::filesystem::path, std::size_t> index;
  for (std::size_t i = 0; i < files.size(); ++i) index[files[i]] = i;
  std::vector<std::filesystem::path> order;
  for (const auto& item : delivered) {
    if (!large(index.at(item.path))) order.push_back(item.path);
  }
  return order;
}

TEST(MetadataReader, ThePoolReadsTheCorpusAsThisProcessDoesTenTimesInOrder) {
  IMGSYNC_REQUIRE_CORPUS();
  const auto files = corpus_files();
  ASSERT_GE(files.size(), 390u);
  const auto here = read_all(nullptr, files);
  ASSERT_EQ(here.size(), files.size());
  std::map<std::filesystem::path, const Delivered*> by_path;
  for (const auto& item : here) by_path[item.path] = &item;
  std::vector<std::filesystem::path> small;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (!large(i)) small.push_back(files[i]);
  }
  EXPECT_EQ(small_order(here, files), small);

  auto pool = start_metadata_pool(2);
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  ASSERT_NE(*pool, nullptr);
  for (int pass = 0; pass < 10; ++pass) {
    const auto pooled = read_all(pool->get(), files);
    ASSERT_EQ(pooled.size(), files.size()) << "pass " << pass;
    EXPECT_EQ(small_order(pooled, files), small) << "pass " << pass;
    for (const auto& item : pooled) expect_same(item, *by_path.at(item.path));
  }
}

TEST(MetadataReader, OneJobMeansNoPool) {
  auto pool = start_metadata_pool(1);
  ASSERT_TRUE(pool.ok());
  EXPECT_EQ(*pool, nullptr);
  auto per_core = start_metadata_pool(0);
  ASSERT_TRUE(per_core.ok()) << per_core.error().message;
  ASSERT_NE(*per_core, nullptr);
  EXPECT_EQ((*per_core)->workers(),
            static_cast<int>(std::max(1U, std::thread::hardware_concurrency())));
}

// A file that is gone when its turn comes fails alone (kLocalIo), in both ways of reading.
TEST(MetadataReader, AMissingFileIsAnErrorInItsPlace) {
  IMGSYNC_REQUIRE_CORPUS();
  auto files = corpus_files();
  files.resize(20);
  files.insert(files.begin() + 6, testing::corpus_dir() / "images" / "no-such-file.jpg");
  auto pool = start_metadata_pool(2);
  ASSERT_TRUE(pool.ok()) << pool.error().message;
  for (media::MetadataWorkerPool* with :
       {static_cast<media::MetadataWorkerPool*>(nullptr), pool->get()}) {
    const auto delivered = read_all(with, files);
    ASSERT_EQ(delivered.size(), files.size());
    for (const auto& item : delivered) {
      EXPECT_EQ(item.metadata.ok(), item.path != files[6]) << item.path;
      if (!item.metadata.ok()) {
        EXPECT_EQ(item.metadata.error().category, ErrorCategory::kLocalIo);
      }
    }
  }
}

}  // namespace
}  // namespace imgsync::app
