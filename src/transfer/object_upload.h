// Uploads one local file to one key through a TaskQueue: a single PUT below the multipart
// threshold, else a multipart upload that resumes from the parts already on the server. Every
// request carries Content-MD5; the final ETag is checked against the local data (the MD5, or the
// md5-of-part-md5s-N rule); a file that changed since it was hashed is never completed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "s3/s3_client.h"
#include "s3/s3_types.h"
#include "transfer/off_loop.h"
#include "transfer/task_queue.h"
#include "util/hashing.h"
#include "util/result.h"

namespace imgsync::transfer {

// The part size for a file: `configured` if set (raised if it would need more than 10,000
// parts), else 8 MiB raised in whole MiB until the file fits in 10,000 parts.
std::uint64_t choose_part_size(std::uint64_t file_size, std::uint64_t configured = 0);

struct UploadJob {
  std::filesystem::path path;
  std::uint64_t size = 0;
  // As hashed: a different mtime, inode or ctime at completion means "changed" (a rewrite that
  // keeps size and mtime still changes the ctime). 0: not compared.
  std::int64_t mtime_ns = 0;
  std::uint64_t inode = 0;
  std::int64_t ctime_ns = 0;
  FileDigests digests;  // of the whole file
  std::string bucket, key;
  s3::ObjectAttributes attributes;
  bool if_none_match = false;
  std::uint64_t multipart_threshold = 64ULL << 20;
  std::uint64_t part_size = 0;   // 0: choose_part_size
  std::string resume_upload_id;  // a multipart upload to continue, from the journal
  // Parts asked for per ListParts page when resuming (S3's maximum is 1,000; tests shrink it to
  // prove the pages are followed).
  int list_parts_page_size = 1000;
  // Where the parts are hashed (SHA-256 and MD5, ~16 ms for 8 MiB): off the loop thread, so the
  // transfers in flight do not wait. nullptr: on the loop thread.
  OffLoop* part_hashers = nullptr;
};

struct UploadCallbacks {
  // A multipart upload was created (persist the id before any part is sent).
  std::function<void(const std::string& upload_id, std::uint64_t part_size)> upload_created;
  // A part is confirmed by the server.
  std::function<void(const s3::CompletedPart& part, std::uint64_t size)> part_done;
  // The end: the object's ETag, or why not. Called exactly once.
  std::function<void(Result<s3::PutObjectResult>)> done;
};

struct UploadStats {
  int parts_reused = 0;  // resumed parts the server already had, verified locally
  int parts_uploaded = 0;
};

// Starts the upload; progress happens as the queue runs.
void start_upload(TaskQueue& queue, s3::S3Client& client, UploadJob job, UploadCallbacks callbacks,
                  UploadStats* stats = nullptr);

// "md5hex-N" for parts with these MD5s (the multipart ETag S3 computes).
std::string multipart_etag(const std::vector<Md5Digest>& part_md5s);

}  // namespace imgsync::transfer
