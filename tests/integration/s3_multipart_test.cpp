// The multipart API against a real Ceph RGW, including the ETag rule that verify relies on.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "s3/s3_client.h"
#include "support/s3_server.h"
#include "support/test_paths.h"
#include "transfer/object_upload.h"
#include "transfer/off_loop.h"
#include "util/hashing.h"

namespace imgsync::testing {
namespace {

using MultipartTest = S3IntegrationTest;
constexpr std::uint64_t kMiB = 1024 * 1024;

std::string pattern(std::size_t size, unsigned seed) {
  std::string bytes(size, '\0');
  std::uint32_t state = seed;
  for (auto& byte : bytes) {
    state = state * 1664525u + 1013904223u;
    byte = static_cast<char>(state >> 24);
  }
  return bytes;
}

TEST_F(MultipartTest, UploadListCompleteAndTheEtagRule) {
  ScratchDir dir;
  const std::string content = pattern(11 * kMiB + 123, 1);
  write_file(dir.path() / "big.bin", content);
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges = {
      {0, 5 * kMiB}, {5 * kMiB, 5 * kMiB}, {10 * kMiB, kMiB + 123}};

  s3::ObjectAttributes attributes;
  attributes.content_type = "image/tiff";
  attributes.metadata = {{"imgsync-sha256", sha256_hex(content)}};
  auto upload_id = client().create_multipart_upload(bucket(), "big.tif", attributes);
  ASSERT_TRUE(upload_id.ok()) << upload_id.error().describe();

  auto uploads = client().list_multipart_uploads(bucket());
  ASSERT_TRUE(uploads.ok()) << uploads.error().describe();
  ASSERT_EQ(uploads->size(), 1u);
  EXPECT_EQ((*uploads)[0].key, "big.tif");
  EXPECT_EQ((*uploads)[0].upload_id, *upload_id);

  std::vector<s3::CompletedPart> parts;
  std::string concatenated_md5s;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    auto etag = client().upload_part(
        bucket(), "big.tif", *upload_id, static_cast<int>(i + 1),
        s3::Body::from_file({dir.path() / "big.bin", ranges[i].first, ranges[i].second}));
    ASSERT_TRUE(etag.ok()) << etag.error().describe();
    const auto part_md5 = md5(std::string_view(content).substr(ranges[i].first, ranges[i].second));
    EXPECT_EQ(*etag, to_hex(part_md5));
    concatenated_md5s.append(reinterpret_cast<const char*>(part_md5.data()), part_md5.size());
    parts.push_back({static_cast<int>(i + 1), *etag});
  }

  // What a resumed upload sees: the parts already on the server, with sizes and ETags.
  auto listed = client().list_parts(bucket(), "big.tif", *upload_id);
  ASSERT_TRUE(listed.ok()) << listed.error().describe();
  ASSERT_EQ(listed->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*listed)[i].part_number, static_cast<int>(i + 1));
    EXPECT_EQ((*listed)[i].size, ranges[i].second);
    EXPECT_EQ((*listed)[i].etag, parts[i].etag);
  }

  auto completed = client().complete_multipart_upload(bucket(), "big.tif", *upload_id, parts);
  ASSERT_TRUE(completed.ok()) << completed.error().describe();
  EXPECT_EQ(completed->etag, to_hex(md5(concatenated_md5s)) + "-3");

  auto head = client().head_object(bucket(), "big.tif");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, content.size());
  EXPECT_EQ(head->etag, completed->etag);
  EXPECT_EQ(head->metadata["imgsync-sha256"], sha256_hex(content));
  auto get = client().get_object({bucket(), "big.tif", std::nullopt, dir.path() / "back.bin"});
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(to_hex(digest_file((dir.path() / "back.bin").string())->sha256), sha256_hex(content));

  auto none_left = client().list_multipart_uploads(bucket());
  ASSERT_TRUE(none_left.ok());
  EXPECT_TRUE(none_left->empty());
}

TEST_F(MultipartTest, AbortRemovesTheUploadAndItsParts) {
  auto upload_id = client().create_multipart_upload(bucket(), "aborted.jpg", {});
  ASSERT_TRUE(upload_id.ok());
  ASSERT_TRUE(client()
                  .upload_part(bucket(), "aborted.jpg", *upload_id, 1,
                               s3::Body::from_string(pattern(5 * kMiB, 2)))
                  .ok());
  ASSERT_TRUE(client().abort_multipart_upload(bucket(), "aborted.jpg", *upload_id).ok());
  auto uploads = client().list_multipart_uploads(bucket());
  ASSERT_TRUE(uploads.ok());
  EXPECT_TRUE(uploads->empty());
  auto parts = client().list_parts(bucket(), "aborted.jpg", *upload_id);
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(parts.error().category, ErrorCategory::kNotFound);
  EXPECT_EQ(parts.error().s3_code, "NoSuchUpload");
}

TEST_F(MultipartTest, TooSmallPartIsRejectedAtCompletion) {
  auto upload_id = client().create_multipart_upload(bucket(), "small.jpg", {});
  ASSERT_TRUE(upload_id.ok());
  std::vector<s3::CompletedPart> parts;
  for (int number = 1; number <= 2; ++number) {
    auto etag = client().upload_part(bucket(), "small.jpg", *upload_id, number,
                                     s3::Body::from_string(pattern(1024, number)));
    ASSERT_TRUE(etag.ok());
    parts.push_back({number, *etag});
  }
  auto completed = client().complete_multipart_upload(bucket(), "small.jpg", *upload_id, parts);
  ASSERT_FALSE(completed.ok());
  EXPECT_EQ(completed.error().category, ErrorCategory::kInvalidInput);
  EXPECT_EQ(completed.error().s3_code, "EntityTooSmall");
  EXPECT_TRUE(client().abort_multipart_upload(bucket(), "small.jpg", *upload_id).ok());
}

TEST_F(MultipartTest, PartNumberOutsideTheApiRangeIsRefusedLocally) {
  auto etag = client().upload_part(bucket(), "x.jpg", "any", 10001, s3::Body::from_string("x"));
  ASSERT_FALSE(etag.ok());
  EXPECT_EQ(etag.error().category, ErrorCategory::kInvalidInput);
}

// A file sent in parts through transfer/object_upload.h, its parts hashed off the loop thread:
// the object is whole, and an upload of the same key that nobody continues (a Create sent again
// after its answer was lost leaves one) is aborted once the key is complete.
TEST_F(MultipartTest, AFinishedUploadAbortsTheKeysUploadsNobodyContinues) {
  ScratchDir dir;
  const std::string content = pattern(11 * kMiB + 5, 7);
  const auto file = dir.path() / "big.bin";
  write_file(file, content);
  const std::string key = "parts/big.bin";
  auto orphan = client().create_multipart_upload(bucket(), key, {});
  ASSERT_TRUE(orphan.ok()) << orphan.error().message;
  auto other_key = client().create_multipart_upload(bucket(), key + ".other", {});
  ASSERT_TRUE(other_key.ok());

  auto digests = digest_file(file.string(), 0, -1, /*with_md5=*/false);
  ASSERT_TRUE(digests.ok());
  transfer::UploadJob job;
  job.path = file;
  job.size = content.size();
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  job.mtime_ns =
      static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000LL + info.st_mtim.tv_nsec;
  job.digests = *digests;
  job.bucket = bucket();
  job.key = key;
  job.multipart_threshold = 5 * kMiB;
  job.part_size = 5 * kMiB;
  transfer::OffLoop hashers(client().engine(), 1);
  job.part_hashers = &hashers;
  std::optional<Result<s3::PutObjectResult>> ended;
  transfer::UploadCallbacks callbacks;
  callbacks.done = [&](Result<s3::PutObjectResult> result) { ended = std::move(result); };
  transfer::UploadStats stats;
  transfer::TaskQueue queue(client().engine(), 4);
  transfer::start_upload(queue, client(), job, callbacks, &stats);
  queue.run();
  ASSERT_TRUE(ended.has_value());
  ASSERT_TRUE(ended->ok()) << ended->error().message;
  EXPECT_EQ(stats.parts_uploaded, 3);
  auto got = client().get_object({bucket(), key, std::nullopt, std::nullopt});
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(sha256_hex(got->body), sha256_hex(content));

  auto left = client().list_multipart_uploads(bucket());
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 1U);  // only the other key's
  EXPECT_EQ(left->front().key, key + ".other");
  EXPECT_EQ(left->front().upload_id, *other_key);
  (void)client().abort_multipart_upload(bucket(), key + ".other", *other_key);
}

}  // namespace
}  // namespace imgsync::testing
