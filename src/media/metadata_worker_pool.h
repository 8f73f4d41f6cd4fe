// Metadata extraction on every core: Exiv2 0.27 is not safe for concurrent reads in one process,
// so the pool forks worker processes (one per core by default), each reading one file at a time
// with the same extractor as this process. Results are identical to calling extract_metadata /
// extract_archivable_metadata here, and come back in the order the files were given.
//
// A worker that crashes or runs over the per-file limit is killed and replaced; its file gets an
// error (strict) or basic metadata naming the failure (archivable), and the run goes on.
//
// Start the pool before this process starts other threads (fork copies only the calling thread;
// a lock another thread held would stay locked in the workers). It forks one small process of its
// own then (worker_spawner.h), which forks every worker, the replacements too: a long-lived,
// threaded process (the watch daemon) never forks itself again. `imgsync meta` starts the pool
// first thing; sync and watch before their transfer threads.
//
// Two ways in: extract_all (one thread hands the pool a list; `imgsync meta`) and extract_one
// (any number of threads, one file each; sync's metadata step). Not both at the same time.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "media/image_metadata.h"
#include "util/hashing.h"
#include "util/result.h"

namespace imgsync::media {

enum class ExtractionMode {
  kStrict,      // extract_metadata: unreadable files are errors
  kArchivable,  // extract_archivable_metadata: every readable file gets a result
};

struct MetadataPoolOptions {
  int workers = 0;  // 0: one per core (std::thread::hardware_concurrency)
  ExtractionMode mode = ExtractionMode::kStrict;
  bool with_md5 = false;  // fill FileDigests::md5 too (S3's Content-MD5); costs a second hash
  std::chrono::milliseconds per_file_limit = std::chrono::seconds(60);
  // Runs in the worker before each read; tests make a worker crash or hang with it.
  std::function<void(const std::filesystem::path&)> before_read = {};
};

// One file's outcome; `digests` is filled when `metadata` is ok (md5 only with with_md5).
using MetadataCallback = std::function<void(std::size_t index, Result<ImageMetadata> metadata,
                                            const FileDigests& digests)>;

class MetadataWorkerPool {
 public:
  // kLocalIo when the workers cannot be started (fork or socketpair failed).
  static Result<std::unique_ptr<MetadataWorkerPool>> start(const MetadataPoolOptions& options);
  ~MetadataWorkerPool();  // stops and reaps the workers
  MetadataWorkerPool(const MetadataWorkerPool&) = delete;
  MetadataWorkerPool& operator=(const MetadataWorkerPool&) = delete;

  int workers() const;

  // Reads every file; `on_result` is called on this thread once per file, in the order of
  // `files` (index into it), as soon as that file and all before it are done.
  void extract_all(const std::vector<std::filesystem::path>& files,
                   const MetadataCallback& on_result);

  // Reads one file in a free worker, waiting for one when all are busy; thread-safe. The same
  // result as extract_all gives for the file (a crash or a hang costs it alone: an error, or
  // basic metadata naming what happened), with its digests into `digests` when it is ok.
  // `known`: digests the caller read already (archivable mode only: a large file hashed on
  // another thread); the worker then does not read the file for them, and they are what
  // `digests` receives.
  Result<ImageMetadata> extract_one(const std::filesystem::path& file, FileDigests* digests,
                                    const FileDigests* known = nullptr);

 private:
  struct State;
  friend class PoolRun;
  explicit MetadataWorkerPool(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace imgsync::media
