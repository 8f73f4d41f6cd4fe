// transfer/object_upload.h on a fake HTTP engine (tests/s3/fake_http_engine.h): the part size
// rule, the multipart ETag rule, and one small file's single PUT with its checks. The multipart
// path against a real server: tests/integration/s3_multipart_test.cpp and sync_test.cpp.
#include "transfer/object_upload.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "s3/fake_http_engine.h"
#include "support/test_paths.h"

namespace imgsync::transfer {
namespace {

using imgsync::testing::ScratchDir;
using imgsync::testing::write_file;
using s3::testing::answer;
using s3::testing::fake_settings;
using s3::testing::FakeHttpEngine;

constexpr std::uint64_t kMiB = 1ULL << 20;

TEST(ChoosePartSize, EightMiBUnlessTenThousandPartsWouldNotHoldTheFile) {
  EXPECT_EQ(choose_part_size(100 * kMiB), 8 * kMiB);
  EXPECT_EQ(choose_part_size(10000 * 8 * kMiB), 8 * kMiB);
  // One byte more needs a larger part, in whole MiB.
  EXPECT_EQ(choose_part_size(10000 * 8 * kMiB + 1), 9 * kMiB);
  EXPECT_EQ(choose_part_size(100 * kMiB, 16 * kMiB), 16 * kMiB);
  EXPECT_EQ(choose_part_size(100 * kMiB, 1 * kMiB), 5 * kMiB);  // S3's smallest part
  EXPECT_EQ(choose_part_size(10000 * 6 * kMiB, 5 * kMiB), 6 * kMiB);
}

TEST(MultipartEtag, IsTheMd5OfThePartMd5sAndTheirCount) {
  // Computed apart from imgsync: md5(md5("a") || md5("b")) with "-2".
  EXPECT_EQ(multipart_etag({md5("a"), md5("b")}), "96e024ba2074fe77e8e965ba43a704be-2");
}

class SinglePut : public ::testing::Test {
 protected:
  // Runs the upload of a 5-byte file ("hello") against `script`; the result it ended with.
  Result<s3::PutObjectResult> upload(FakeHttpEngine::Script script, bool if_none_match = false) {
    auto fake = std::make_unique<FakeHttpEngine>(std::move(script));
    engine_ = fake.get();
    client_ =
        std::make_unique<s3::S3Client>(fake_settings(1), s3::S3ClientOptions{}, std::move(fake));
    const auto file = scratch_.path() / "IMG_1.jpg";
    write_file(file, "hello");
    auto digests = digest_file(file.string(), 0, -1, with_md5_);
    EXPECT_TRUE(digests.ok());
    if (sha256_of_other_content_) digests->sha256 = sha256("other");
    UploadJob job;
    job.path = file;
    job.size = 5;
    job.digests = *digests;
    job.bucket = "bucket";
    job.key = "raw/IMG_1.jpg";
    job.if_none_match = if_none_match;
    std::optional<Result<s3::PutObjectResult>> ended;
    UploadCallbacks callbacks;
    callbacks.done = [&](Result<s3::PutObjectResult> result) { ended = std::move(result); };
    TaskQueue queue(client_->engine(), 4);
    start_upload(queue, *client_, job, callbacks);
    queue.run();
    EXPECT_TRUE(ended.has_value());
    return ended ? std::move(*ended) : make_error(ErrorCategory::kFatal, "never ended");
  }
  bool with_md5_ = true;                  // the digests the upload is handed
  bool sha256_of_other_content_ = false;  // as if the file changed after it was hashed
  ScratchDir scratch_{"imgsync-upload"};
  FakeHttpEngine* engine_ = nullptr;
  std::unique_ptr<s3::S3Client> client_;
};

TEST_F(SinglePut, OnePutCarryingContentMd5AndTheServersEtagIsChecked) {
  auto put = upload([](const s3::HttpRequest&, int) {
    return answer(200, "", {{"ETag", "\"5d41402abc4b2a76b9719d911017c592\""}});
  });
  ASSERT_TRUE(put.ok()) << put.error().message;
  EXPECT_EQ(put->etag, "5d41402abc4b2a76b9719d911017c592");  // its quotes taken off
  ASSERT_EQ(engine_->requests().size(), 1U);
  const s3::HttpRequest& sent = engine_->requests().front();
  EXPECT_EQ(sent.method, "PUT");
  EXPECT_EQ(sent.header("Content-MD5"), "XUFAKrxLKna5cZ2REBfFkg==");
  EXPECT_EQ(sent.header("If-None-Match"), "");
}

TEST_F(SinglePut, AnEtagThatIsNotTheLocalMd5IsAnIntegrityError) {
  auto put = upload([](const s3::HttpRequest&, int) {
    return answer(200, "", {{"ETag", "\"00000000000000000000000000000000\""}});
  });
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().category, ErrorCategory::kIntegrity) << put.error().message;
}

TEST_F(SinglePut, PutIfAbsentAsksForIfNoneMatchAndATakenKeyIsAConflict) {
  auto put = upload([](const s3::HttpRequest&, int) { return answer(412, "PreconditionFailed"); },
                    /*if_none_match=*/true);
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().category, ErrorCategory::kConflict);
  ASSERT_EQ(engine_->requests().size(), 1U);
  EXPECT_EQ(engine_->requests().front().header("If-None-Match"), "*");
}

// A file hashed as a large one (no MD5: it was to go in parts) that is sent in one PUT after all
// still carries its Content-MD5, read again, and its ETag is checked against it.
TEST_F(SinglePut, DigestsWithoutAnMd5AreCompletedBeforeThePut) {
  with_md5_ = false;
  auto put = upload([](const s3::HttpRequest&, int) {
    return answer(200, "", {{"ETag", "\"5d41402abc4b2a76b9719d911017c592\""}});
  });
  ASSERT_TRUE(put.ok()) << put.error().message;
  ASSERT_EQ(engine_->requests().size(), 1U);
  EXPECT_EQ(engine_->requests().front().header("Content-MD5"), "XUFAKrxLKna5cZ2REBfFkg==");
}

// ... and when the bytes read again are not the ones hashed, nothing is sent.
TEST_F(SinglePut, AFileThatChangedSinceItWasHashedWithoutMd5IsNotSent) {
  with_md5_ = false;
  sha256_of_other_content_ = true;
  auto put = upload([](const s3::HttpRequest&, int) { return answer(200); });
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().category, ErrorCategory::kLocalIo) << put.error().message;
  EXPECT_TRUE(engine_->requests().empty());
}

}  // namespace
}  // namespace imgsync::transfer
