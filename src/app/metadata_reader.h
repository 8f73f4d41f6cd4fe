// Sync's read of a file: its metadata, SHA-256 and MD5 (extract_archivable_metadata), the result
// handed to the transfer loop. Where it is read:
//   - without a pool (--metadata-jobs 1): a file below upload.multipart_threshold right here, on
//     the loop thread, as sync did before issue 14;
//   - with a pool (media/metadata_worker_pool.h, one worker process per core): in a worker, asked
//     from threads of this reader's own (one per worker), so Exiv2 never stalls the transfers in
//     flight and both cores read. The results are the same as reading here.
// A small file's `then` runs on the loop thread in the order the files were handed in: names are
// given in that order (CapturePlanner), so the same tree gets the same names either way. Its read
// is a task of the queue until `then` ran (at most `jobs` files are read ahead).
// A large file is hashed on a thread of its own first (reading gigabytes on the loop would stall
// every transfer) and its metadata read without hashing it again (in a worker, else here); its
// `then` runs when it is done, as before.
#pragma once

#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include "media/image_metadata.h"
#include "media/metadata_worker_pool.h"
#include "s3/http_engine.h"
#include "transfer/off_loop.h"
#include "transfer/task_queue.h"
#include "util/hashing.h"
#include "util/result.h"

namespace imgsync::app {

// The pool sync and watch read with: nullptr for `jobs` 1 (read in this process); `jobs` worker
// processes, 0 = one per core. Start it before any other thread exists (it forks). An Error
// when the workers cannot be started (the caller may read in this process instead).
Result<std::unique_ptr<media::MetadataWorkerPool>> start_metadata_pool(int jobs);

class MetadataReader {
 public:
  // The file's metadata (an Error only when the file cannot be read at all) and its digests.
  // Returns whether work for the file was queued (SyncService's prepare()).
  using Then =
      std::function<bool(Result<media::ImageMetadata> metadata, const FileDigests& digests)>;

  // `pool`: nullptr to read small files here; it must outlive this reader.
  MetadataReader(s3::HttpEngine& engine, media::MetadataWorkerPool* pool);
  MetadataReader(const MetadataReader&) = delete;
  MetadataReader& operator=(const MetadataReader&) = delete;
  ~MetadataReader();  // waits for reads running on its threads; their results are dropped

  // `large`: hash it on a thread first (see above). Returns then's answer when it ran at once
  // (no pool, small file), else true (the read is queued).
  bool read(transfer::TaskQueue& queue, const std::filesystem::path& path, bool large, Then then);

 private:
  // What a thread read; `metadata` empty: still to be read on the loop (no pool).
  struct FileRead {
    Result<FileDigests> digests = FileDigests{};
    std::optional<Result<media::ImageMetadata>> metadata = {};
  };
  struct Waiting;  // a small file read in the pool, until its turn on the loop

  void read_large(transfer::TaskQueue& queue, const std::filesystem::path& path, Then then);
  void read_in_pool(transfer::TaskQueue& queue, const std::filesystem::path& path, Then then);
  void deliver_in_order();
  static bool finish(const std::filesystem::path& path, FileRead read, const Then& then);

  s3::HttpEngine& engine_;
  media::MetadataWorkerPool* pool_;
  std::deque<std::shared_ptr<Waiting>> order_;  // small files read in the pool, oldest first
  std::unique_ptr<transfer::OffLoop> hashers_;  // made when the first large file comes
  std::unique_ptr<transfer::OffLoop> readers_;  // one thread per pool worker, made when needed
};

}  // namespace imgsync::app
