#include "app/metadata_reader.h"

#include <utility>

#include "media/metadata_extractor.h"

namespace imgsync::app {

Result<std::unique_ptr<media::MetadataWorkerPool>> start_metadata_pool(int jobs) {
  if (jobs == 1) return std::unique_ptr<media::MetadataWorkerPool>();
  return media::MetadataWorkerPool::start({.workers = jobs,
                                           .mode = media::ExtractionMode::kArchivable,
                                           .with_md5 = true});  // S3's Content-MD5
}

struct MetadataReader::Waiting {
  Then then = {};
  transfer::TaskQueue::Finished finished = {};
  std::filesystem::path path = {};
  std::optional<FileRead> read = {};  // set when the worker answered
};

MetadataReader::MetadataReader(s3::HttpEngine& engine, media::MetadataWorkerPool* pool)
    : engine_(engine), pool_(pool) {}

MetadataReader::~MetadataReader() = default;

bool MetadataReader::read(transfer::TaskQueue& queue, const std::filesystem::path& path, bool large,
                          Then then) {
  if (large) {
    read_large(queue, path, std::move(then));
    return true;
  }
  if (pool_ != nullptr) {
    read_in_pool(queue, path, std::move(then));
    return true;
  }
  FileDigests digests;
  auto metadata = media::extract_archivable_metadata(path, &digests);
  return then(std::move(metadata), digests);
}

void MetadataReader::read_large(transfer::TaskQueue& queue, const std::filesystem::path& path,
                                Then then) {
  if (!hashers_) hashers_ = std::make_unique<transfer::OffLoop>(engine_, 2);
  hashers_->run_as_task<FileRead>(
      queue,
      [path, pool = pool_] {
        // Sent in parts (the same threshold): each part's MD5 is taken as it is sent.
        FileRead read{.digests = digest_file(path.string(), 0, -1, /*with_md5=*/false)};
        if (read.digests.ok() && pool != nullptr) {
          read.metadata = pool->extract_one(path, nullptr, &*read.digests);
        }
        return read;
      },
      [path, then = std::move(then)](FileRead read) { finish(path, std::move(read), then); });
}

void MetadataReader::read_in_pool(transfer::TaskQueue& queue, const std::filesystem::path& path,
                                  Then then) {
  if (!readers_) readers_ = std::make_unique<transfer::OffLoop>(engine_, pool_->workers());
  auto waiting = std::make_shared<Waiting>(Waiting{.then = std::move(then), .path = path});
  order_.push_back(waiting);
  // The task's slot is held until the file's turn came: reading far ahead of a slow file would
  // keep every result in memory.
  queue.push([this, waiting](transfer::TaskQueue::Finished finished) {
    waiting->finished = std::move(finished);
    readers_->run<FileRead>(
        [pool = pool_, path = waiting->path] {
          FileRead read;
          FileDigests digests;
          read.metadata = pool->extract_one(path, &digests);
          read.digests = digests;
          return read;
        },
        [this, waiting](FileRead read) {
          waiting->read = std::move(read);
          deliver_in_order();
        });
  });
}

void MetadataReader::deliver_in_order() {
  while (!order_.empty() && order_.front()->read) {
    const std::shared_ptr<Waiting> next = std::move(order_.front());
    order_.pop_front();
    next->finished();
    finish(next->path, std::move(*next->read), next->then);
  }
}

bool MetadataReader::finish(const std::filesystem::path& path, FileRead read, const Then& then) {
  if (!read.digests.ok()) return then(read.digests.take_error(), FileDigests{});
  if (!read.metadata) {
    // No pool: Exiv2 reads here, on the loop thread only.
    read.metadata = media::extract_archivable_metadata(path, *read.digests);
  }
  return then(std::move(*read.metadata), *read.digests);
}

}  // namespace imgsync::app
