#include "transfer/object_upload.h"

#include <sys/stat.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>
#include <memory>

#include "util/error_predicates.h"

namespace imgsync::transfer {

std::uint64_t choose_part_size(std::uint64_t file_size, std::uint64_t configured) {
  constexpr std::uint64_t kMiB = 1ULL << 20;
  constexpr std::uint64_t kMaxParts = 10000;
  std::uint64_t part = configured != 0 ? configured : 8 * kMiB;
  if (part < 5 * kMiB) part = 5 * kMiB;
  if ((file_size + part - 1) / part > kMaxParts) {
    part = ((file_size + kMaxParts - 1) / kMaxParts + kMiB - 1) / kMiB * kMiB;
  }
  return part;
}

std::string multipart_etag(const std::vector<Md5Digest>& part_md5s) {
  Md5 combined;
  for (const auto& digest : part_md5s) combined.update(digest.data(), digest.size());
  return fmt::format("{}-{}", to_hex(combined.finish()), part_md5s.size());
}

namespace {

Error local_change(const UploadJob& job) {
  return make_error(ErrorCategory::kLocalIo,
                    fmt::format("{} changed while it was being uploaded; it is uploaded again "
                                "once it stops changing",
                                job.path.string()));
}

bool unchanged_since_hashed(const UploadJob& job) {
  struct stat info {};
  if (::stat(job.path.c_str(), &info) != 0) return false;
  const std::int64_t mtime_ns =
      static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000LL + info.st_mtim.tv_nsec;
  const std::int64_t ctime_ns =
      static_cast<std::int64_t>(info.st_ctim.tv_sec) * 1000000000LL + info.st_ctim.tv_nsec;
  return static_cast<std::uint64_t>(info.st_size) == job.size && mtime_ns == job.mtime_ns &&
         (job.inode == 0 || static_cast<std::uint64_t>(info.st_ino) == job.inode) &&
         (job.ctime_ns == 0 || ctime_ns == job.ctime_ns);
}

// One upload in progress; kept alive by the callbacks that refer to it.
class Upload : public std::enable_shared_from_this<Upload> {
 public:
  Upload(TaskQueue& queue, s3::S3Client& client, UploadJob job, UploadCallbacks callbacks,
         UploadStats* stats)
      : queue_(queue),
        client_(client),
        job_(std::move(job)),
        callbacks_(std::move(callbacks)),
        stats_(stats) {}

  void start() {
    if (job_.size < job_.multipart_threshold) {
      put_single();
      return;
    }
    part_size_ = choose_part_size(job_.size, job_.part_size);
    part_count_ = static_cast<int>((job_.size + part_size_ - 1) / part_size_);
    part_md5s_.resize(static_cast<std::size_t>(part_count_));
    if (!job_.resume_upload_id.empty()) {
      resume();
    } else {
      create();
    }
  }

 private:
  void finish(Result<s3::PutObjectResult> result) {
    if (finished_) return;
    finished_ = true;
    callbacks_.done(std::move(result));
  }

  void put_single() {
    auto self = shared_from_this();
    queue_.push([self](TaskQueue::Finished finished) {
      s3::PutObjectRequest put{.bucket = self->job_.bucket,
                               .key = self->job_.key,
                               .body = s3::Body::from_file({self->job_.path, 0, self->job_.size}),
                               .attributes = self->job_.attributes,
                               .if_none_match = self->job_.if_none_match};
      // Digests read without the MD5 (a file hashed as a large one) are read again here.
      if (!self->job_.digests.has_md5()) {
        auto digests =
            digest_file(self->job_.path.string(), 0, static_cast<std::int64_t>(self->job_.size));
        if (!digests.ok() || digests->sha256 != self->job_.digests.sha256) {
          finished();
          return self->finish(digests.ok() ? local_change(self->job_) : digests.take_error());
        }
        self->job_.digests = *digests;
      }
      put.body.digests = self->job_.digests;
      self->client_.put_object_async(
          std::move(put), [self, finished](Result<s3::PutObjectResult> result) {
            finished();
            if (!result.ok()) return self->finish(result.take_error());
            if (!self->etag_matches(result->etag, to_hex(self->job_.digests.md5))) return;
            self->finish(std::move(result));
          });
    });
  }

  // SSE-KMS objects have ETags that are not MD5s; everything else must match.
  bool etag_matches(const std::string& etag, const std::string& expected) {
    if (job_.attributes.server_side_encryption == "aws:kms" || etag == expected) return true;
    Error error = make_error(ErrorCategory::kIntegrity,
                             fmt::format("s3://{}/{}: the server's ETag {} does not match the "
                                         "local data ({}); it will be uploaded again",
                                         job_.bucket, job_.key, etag, expected));
    finish(std::move(error));
    return false;
  }

  void create() {
    auto self = shared_from_this();
    queue_.push_urgent([self](TaskQueue::Finished finished) {
      self->client_.create_multipart_upload_async(
          {self->job_.bucket, self->job_.key, self->job_.attributes},
          [self, finished](Result<std::string> upload_id) {
            finished();
            if (!upload_id.ok()) return self->finish(upload_id.take_error());
            self->upload_id_ = *upload_id;
            if (self->callbacks_.upload_created)
              self->callbacks_.upload_created(self->upload_id_, self->part_size_);
            self->schedule_parts({});
          });
    });
  }

  // Continue an upload: the server's parts are reused when their ETag equals the MD5 of the
  // same local range; a vanished upload starts over. ListParts answers in pages (1,000 parts at
  // most): every page is read before the missing parts are sent.
  void resume() {
    upload_id_ = job_.resume_upload_id;
    list_parts_page("");
  }

  void list_parts_page(std::string marker) {
    auto self = shared_from_this();
    queue_.push_urgent([self, marker](TaskQueue::Finished finished) {
      const s3::ListPartsRequest list{.bucket = self->job_.bucket,
                                      .key = self->job_.key,
                                      .upload_id = self->upload_id_,
                                      .max_parts = self->job_.list_parts_page_size,
                                      .part_number_marker = marker};
      self->client_.list_parts_async(
          list, [self, finished, marker](Result<s3::ListPartsPage> page) {
            finished();
            if (!page.ok()) {
              if (is_not_found(page.error())) {
                spdlog::info("{}: the unfinished upload is gone from the server; starting over",
                             self->job_.path.string());
                self->on_server_.clear();
                return self->create();
              }
              return self->finish(page.take_error());
            }
            for (const auto& part : page->parts) self->on_server_[part.part_number] = part;
            if (page->truncated && !page->next_marker.empty() && page->next_marker != marker) {
              return self->list_parts_page(page->next_marker);
            }
            self->schedule_parts(self->on_server_);
          });
    });
  }

  std::uint64_t part_length(int number) const {
    const std::uint64_t offset = static_cast<std::uint64_t>(number - 1) * part_size_;
    return std::min(part_size_, job_.size - offset);
  }

  // Every part: one already on the server (same size) is hashed and reused when its ETag is the
  // local range's MD5, else sent with those digests; the others are sent. Hashing, of a resumed
  // upload's parts too, runs on the part hashers, off the transfer loop.
  void schedule_parts(const std::map<int, s3::PartInfo>& on_server) {
    completed_.assign(static_cast<std::size_t>(part_count_), s3::CompletedPart{});
    remaining_ = part_count_;
    for (int number = 1; number <= part_count_; ++number) {
      auto found = on_server.find(number);
      const bool reusable = found != on_server.end() && found->second.size == part_length(number);
      hash_part(number, reusable ? found->second.etag : std::string());
    }
  }

  // Hashes part `number` (off the loop when the job has part hashers), then reuses it when
  // `etag_on_server` is its MD5, else sends it.
  void hash_part(int number, std::string etag_on_server) {
    auto self = shared_from_this();
    queue_.push_urgent(
        [self, number, etag = std::move(etag_on_server)](TaskQueue::Finished finished) {
          if (self->finished_) return finished();  // an earlier part failed: stop sending
          const std::uint64_t offset = static_cast<std::uint64_t>(number - 1) * self->part_size_;
          const auto length = static_cast<std::int64_t>(self->part_length(number));
          auto hashed = [self, number, etag, finished](Result<FileDigests> digests) {
            if (digests.ok() && !etag.empty() && to_hex(digests->md5) == etag) {
              finished();
              return self->reuse_part(number, digests->md5, etag);
            }
            self->send_part(number, std::move(digests), finished);
          };
          if (self->job_.part_hashers == nullptr) {
            return hashed(digest_file(self->job_.path.string(), offset, length));
          }
          self->job_.part_hashers->run<Result<FileDigests>>(
              [path = self->job_.path.string(), offset, length] {
                return digest_file(path, offset, length);
              },
              std::move(hashed));
        });
  }

  void reuse_part(int number, const Md5Digest& md5, const std::string& etag) {
    if (finished_) return;
    part_md5s_[static_cast<std::size_t>(number - 1)] = md5;
    completed_[static_cast<std::size_t>(number - 1)] = {number, etag};
    if (stats_ != nullptr) ++stats_->parts_reused;
    if (--remaining_ == 0) complete();
  }

  void send_part(int number, Result<FileDigests> digests, const TaskQueue::Finished& finished) {
    if (!digests.ok() || finished_) {
      finished();
      if (!digests.ok()) finish(digests.take_error());
      return;
    }
    const std::uint64_t offset = static_cast<std::uint64_t>(number - 1) * part_size_;
    const std::uint64_t length = part_length(number);
    s3::UploadPartRequest part{.bucket = job_.bucket,
                               .key = job_.key,
                               .upload_id = upload_id_,
                               .part_number = number,
                               .body = s3::Body::from_file({job_.path, offset, length})};
    part.body.digests = *digests;
    const Md5Digest md5 = digests->md5;
    client_.upload_part_async(std::move(part), [self = shared_from_this(), finished, number, md5,
                                                length](Result<std::string> uploaded) {
      finished();
      if (self->finished_) return;
      if (!uploaded.ok()) return self->finish(uploaded.take_error());
      const std::string& etag = *uploaded;
      // Under SSE-KMS a part's ETag is no MD5 (the server checked Content-MD5 instead).
      const bool kms = self->job_.attributes.server_side_encryption == "aws:kms";
      if (!kms && etag != to_hex(md5)) {
        return self->finish(
            make_error(ErrorCategory::kIntegrity,
                       fmt::format("part {} of {}: the server's ETag {} is not the part's MD5",
                                   number, self->job_.path.string(), etag)));
      }
      self->part_md5s_[static_cast<std::size_t>(number - 1)] = md5;
      self->completed_[static_cast<std::size_t>(number - 1)] = {number, etag};
      if (self->stats_ != nullptr) ++self->stats_->parts_uploaded;
      if (self->callbacks_.part_done) self->callbacks_.part_done({number, etag}, length);
      if (--self->remaining_ == 0) self->complete();
    });
  }

  // A CreateMultipartUpload whose answer was lost (the server went away after taking it) and
  // that was sent again left an upload that nobody continues. Every caller owns the key it
  // uploads to (sync: the capture's claimed name; search's export: its own report key) and has
  // just replaced the object, so once it is complete every other unfinished upload of the key
  // goes: one ListMultipartUploads per file sent in parts. Failures here change nothing (sync's
  // next run sweeps abandoned uploads of the keys it knows). Listed (the first page: 1000 of one
  // key) and aborted in tasks of their own, ahead of new files (so a later upload of the key is
  // not yet begun), never holding the loop in the completion's callback.
  void abort_other_uploads() {
    auto self = shared_from_this();
    queue_.push_urgent([self](TaskQueue::Finished finished) {
      self->client_.list_multipart_uploads_async(
          {.bucket = self->job_.bucket, .prefix = self->job_.key},
          [self, finished](Result<s3::ListMultipartUploadsPage> page) {
            finished();
            if (!page.ok()) return;
            for (const auto& upload : page->uploads) {
              if (upload.key != self->job_.key || upload.upload_id == self->upload_id_) continue;
              spdlog::info("{}: aborting an unfinished upload of the same key ({})",
                           self->job_.path.string(), upload.upload_id);
              self->queue_.push_urgent([self, upload](TaskQueue::Finished aborted) {
                self->client_.abort_multipart_upload_async(
                    {self->job_.bucket, upload.key, upload.upload_id},
                    [aborted](Result<std::string>) { aborted(); });
              });
            }
          });
    });
  }

  void complete() {
    if (!unchanged_since_hashed(job_)) return finish(local_change(job_));
    auto self = shared_from_this();
    queue_.push_urgent([self](TaskQueue::Finished finished) {
      self->client_.complete_multipart_upload_async(
          {self->job_.bucket, self->job_.key, self->upload_id_, self->completed_},
          [self, finished](Result<s3::PutObjectResult> result) {
            finished();
            if (!result.ok()) return self->finish(result.take_error());
            if (!self->etag_matches(result->etag, multipart_etag(self->part_md5s_))) return;
            self->abort_other_uploads();
            self->finish(std::move(result));
          });
    });
  }

  TaskQueue& queue_;
  s3::S3Client& client_;
  UploadJob job_;
  UploadCallbacks callbacks_;
  UploadStats* stats_;
  std::string upload_id_;
  std::uint64_t part_size_ = 0;
  int part_count_ = 0;
  int remaining_ = 0;
  bool finished_ = false;
  std::vector<Md5Digest> part_md5s_;
  std::vector<s3::CompletedPart> completed_;
  std::map<int, s3::PartInfo> on_server_;  // parts listed so far while resuming
};

}  // namespace

void start_upload(TaskQueue& queue, s3::S3Client& client, UploadJob job, UploadCallbacks callbacks,
                  UploadStats* stats) {
  std::make_shared<Upload>(queue, client, std::move(job), std::move(callbacks), stats)->start();
}

}  // namespace imgsync::transfer
