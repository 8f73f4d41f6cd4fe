// The typed S3 operations: each builder's exact method, path, query and headers as S3Client sends
// them (on the fake HTTP engine, path-style http://127.0.0.1:9), and what the typed operations
// make of the answers, including Ceph RGW's CompleteMultipartUpload and ListParts quirks.
#include <gtest/gtest.h>

#include <functional>

#include "fake_http_engine.h"
#include "s3/s3_client.h"
#include "s3/s3_requests.h"

namespace imgsync::s3 {
namespace {

using testing::answer;
using testing::fake_settings;
using testing::FakeHttpEngine;

struct FakeRequestClient {
  explicit FakeRequestClient(FakeHttpEngine::Script script) {
    auto fake = std::make_unique<FakeHttpEngine>(std::move(script));
    engine = fake.get();
    client = std::make_unique<S3Client>(fake_settings(), S3ClientOptions{}, std::move(fake));
  }
  FakeHttpEngine* engine = nullptr;
  std::unique_ptr<S3Client> client;
};

HttpResponse answer_with_body(std::string body, std::vector<HttpHeader> headers = {}) {
  HttpResponse response = answer(200, "", std::move(headers));
  response.body = std::move(body);
  return response;
}

ObjectAttributes attributes() {
  ObjectAttributes attributes;
  attributes.content_type = "image/jpeg";
  attributes.metadata["imgsync-sha256"] = "abc";
  attributes.storage_class = "STANDARD_IA";
  return attributes;
}

struct BuilderRow {
  const char* name;
  std::function<S3Request()> build;
  const char* operation;
  const char* method;
  const char* url;                  // as sent: encoded path and query
  std::vector<HttpHeader> headers;  // exactly the builder's, in order
};

class Builders : public ::testing::TestWithParam<BuilderRow> {};

TEST_P(Builders, MethodPathQueryAndHeadersAreExactlyTheOperations) {
  const BuilderRow& row = GetParam();
  const S3Request built = row.build();
  EXPECT_EQ(built.operation, row.operation);
  EXPECT_EQ(built.method, row.method);
  ASSERT_EQ(built.headers.size(), row.headers.size());
  for (std::size_t i = 0; i < row.headers.size(); ++i) {
    EXPECT_EQ(built.headers[i].name, row.headers[i].name);
    EXPECT_EQ(built.headers[i].value, row.headers[i].value) << row.headers[i].name;
  }

  FakeRequestClient fake([](const HttpRequest&, int) { return answer(200); });
  (void)fake.client->send(row.build());
  ASSERT_EQ(fake.engine->requests().size(), 1u);
  const HttpRequest& sent = fake.engine->requests()[0];
  EXPECT_EQ(sent.method, row.method);
  EXPECT_EQ(sent.url, row.url);
  EXPECT_EQ(sent.head, std::string(row.method) == "HEAD");
  for (const auto& header : row.headers) EXPECT_EQ(sent.header(header.name), header.value);
  const bool has_body = std::string(row.method) == "PUT" || std::string(row.method) == "POST";
  EXPECT_EQ(sent.header("Content-MD5").empty(), !has_body) << "Content-MD5 guards every body";
  EXPECT_FALSE(sent.header("Authorization").empty());
}

const char* const kXml = "application/xml";

INSTANTIATE_TEST_SUITE_P(
    S3Requests, Builders,
    ::testing::Values(
        BuilderRow{"PutObject",
                   [] {
                     return build::put_object({.bucket = "b",
                                               .key = "raw/a b.jpg",
                                               .body = Body::from_string("x"),
                                               .attributes = attributes(),
                                               .if_none_match = true});
                   },
                   "PutObject",
                   "PUT",
                   "http://127.0.0.1:9/b/raw/a%20b.jpg",
                   {{"Content-Type", "image/jpeg"},
                    {"x-amz-meta-imgsync-sha256", "abc"},
                    {"x-amz-storage-class", "STANDARD_IA"},
                    {"If-None-Match", "*"}}},
        BuilderRow{"GetObjectWithARange",
                   [] {
                     return build::get_object(
                         {.bucket = "b", .key = "k.jpg", .range = std::make_pair(0ULL, 99ULL)});
                   },
                   "GetObject",
                   "GET",
                   "http://127.0.0.1:9/b/k.jpg",
                   {{"Range", "bytes=0-99"}}},
        BuilderRow{"HeadObject",
                   [] {
                     return build::head_object({"b", "k.jpg"});
                   },
                   "HeadObject",
                   "HEAD",
                   "http://127.0.0.1:9/b/k.jpg",
                   {}},
        BuilderRow{"DeleteObject",
                   [] {
                     return build::delete_object({"b", "k.jpg"});
                   },
                   "DeleteObject",
                   "DELETE",
                   "http://127.0.0.1:9/b/k.jpg",
                   {}},
        BuilderRow{"DeleteObjects",
                   [] {
                     return build::delete_objects("b", {"a", "c"});
                   },
                   "DeleteObjects",
                   "POST",
                   "http://127.0.0.1:9/b?delete",
                   {{"Content-Type", kXml}}},
        BuilderRow{"ListObjectsV2",
                   [] {
                     return build::list_objects_v2({.bucket = "b",
                                                    .prefix = "raw/",
                                                    .delimiter = "/",
                                                    .continuation_token = "t+1",
                                                    .max_keys = 5});
                   },
                   "ListObjectsV2",
                   "GET",
                   "http://127.0.0.1:9/b?list-type=2&encoding-type=url&max-keys=5&prefix=raw%2F&"
                   "delimiter=%2F&continuation-token=t%2B1",
                   {}},
        BuilderRow{"CopyObjectReplacing",
                   [] {
                     return build::copy_object({"src", "a b.jpg", "b", "c.jpg", attributes()});
                   },
                   "CopyObject",
                   "PUT",
                   "http://127.0.0.1:9/b/c.jpg",
                   {{"Content-Type", "image/jpeg"},
                    {"x-amz-meta-imgsync-sha256", "abc"},
                    {"x-amz-storage-class", "STANDARD_IA"},
                    {"x-amz-metadata-directive", "REPLACE"},
                    {"x-amz-copy-source", "/src/a%20b.jpg"}}},
        BuilderRow{"GetObjectTagging",
                   [] {
                     return build::get_object_tagging({"b", "k"});
                   },
                   "GetObjectTagging",
                   "GET",
                   "http://127.0.0.1:9/b/k?tagging",
                   {}},
        BuilderRow{"CreateMultipartUpload",
                   [] {
                     return build::create_multipart_upload({"b", "big.tif", attributes()});
                   },
                   "CreateMultipartUpload",
                   "POST",
                   "http://127.0.0.1:9/b/big.tif?uploads",
                   {{"Content-Type", "image/jpeg"},
                    {"x-amz-meta-imgsync-sha256", "abc"},
                    {"x-amz-storage-class", "STANDARD_IA"}}},
        BuilderRow{"UploadPart",
                   [] {
                     return build::upload_part({.bucket = "b",
                                                .key = "big.tif",
                                                .upload_id = "u/1",
                                                .part_number = 3,
                                                .body = Body::from_string("part")});
                   },
                   "UploadPart",
                   "PUT",
                   "http://127.0.0.1:9/b/big.tif?partNumber=3&uploadId=u%2F1",
                   {}},
        BuilderRow{"CompleteMultipartUpload",
                   [] {
                     return build::complete_multipart_upload({"b", "big.tif", "u1", {{1, "e1"}}});
                   },
                   "CompleteMultipartUpload",
                   "POST",
                   "http://127.0.0.1:9/b/big.tif?uploadId=u1",
                   {{"Content-Type", kXml}}},
        BuilderRow{"AbortMultipartUpload",
                   [] {
                     return build::abort_multipart_upload({"b", "big.tif", "u1"});
                   },
                   "AbortMultipartUpload",
                   "DELETE",
                   "http://127.0.0.1:9/b/big.tif?uploadId=u1",
                   {}},
        BuilderRow{"ListPartsFromAMarker",
                   [] {
                     return build::list_parts({.bucket = "b",
                                               .key = "big.tif",
                                               .upload_id = "u1",
                                               .max_parts = 2,
                                               .part_number_marker = "4"});
                   },
                   "ListParts",
                   "GET",
                   "http://127.0.0.1:9/b/big.tif?uploadId=u1&max-parts=2&part-number-marker=4",
                   {}},
        BuilderRow{"ListMultipartUploads",
                   [] {
                     return build::list_multipart_uploads({"b", "raw/", "k", "u1"});
                   },
                   "ListMultipartUploads",
                   "GET",
                   "http://127.0.0.1:9/b?uploads&prefix=raw%2F&key-marker=k&upload-id-marker=u1",
                   {}},
        BuilderRow{"CreateBucket",
                   [] { return build::create_bucket("b", "eu-west-1"); },
                   "CreateBucket",
                   "PUT",
                   "http://127.0.0.1:9/b",
                   {{"Content-Type", kXml}}},
        BuilderRow{"HeadBucket",
                   [] { return build::head_bucket("b"); },
                   "HeadBucket",
                   "HEAD",
                   "http://127.0.0.1:9/b",
                   {}},
        BuilderRow{"DeleteBucket",
                   [] { return build::delete_bucket("b"); },
                   "DeleteBucket",
                   "DELETE",
                   "http://127.0.0.1:9/b",
                   {}},
        BuilderRow{"PutBucketPolicy",
                   [] { return build::put_bucket_policy("b", "{}"); },
                   "PutBucketPolicy",
                   "PUT",
                   "http://127.0.0.1:9/b?policy",
                   {{"Content-Type", "application/json"}}},
        BuilderRow{"GetBucketPolicy",
                   [] { return build::get_bucket_policy("b"); },
                   "GetBucketPolicy",
                   "GET",
                   "http://127.0.0.1:9/b?policy",
                   {}},
        BuilderRow{"DeleteBucketPolicy",
                   [] { return build::delete_bucket_policy("b"); },
                   "DeleteBucketPolicy",
                   "DELETE",
                   "http://127.0.0.1:9/b?policy",
                   {}},
        BuilderRow{"PutPublicAccessBlock",
                   [] { return build::put_public_access_block("b", {}); },
                   "PutPublicAccessBlock",
                   "PUT",
                   "http://127.0.0.1:9/b?publicAccessBlock",
                   {{"Content-Type", kXml}}},
        BuilderRow{"GetPublicAccessBlock",
                   [] { return build::get_public_access_block("b"); },
                   "GetPublicAccessBlock",
                   "GET",
                   "http://127.0.0.1:9/b?publicAccessBlock",
                   {}},
        BuilderRow{"DeletePublicAccessBlock",
                   [] { return build::delete_public_access_block("b"); },
                   "DeletePublicAccessBlock",
                   "DELETE",
                   "http://127.0.0.1:9/b?publicAccessBlock",
                   {}},
        BuilderRow{"PutBucketLifecycle",
                   [] { return build::put_bucket_lifecycle("b", {}); },
                   "PutBucketLifecycleConfiguration",
                   "PUT",
                   "http://127.0.0.1:9/b?lifecycle",
                   {{"Content-Type", kXml}}},
        BuilderRow{"GetBucketLifecycle",
                   [] { return build::get_bucket_lifecycle("b"); },
                   "GetBucketLifecycleConfiguration",
                   "GET",
                   "http://127.0.0.1:9/b?lifecycle",
                   {}},
        BuilderRow{"PutBucketCors",
                   [] { return build::put_bucket_cors("b", {}); },
                   "PutBucketCors",
                   "PUT",
                   "http://127.0.0.1:9/b?cors",
                   {{"Content-Type", kXml}}},
        BuilderRow{"GetBucketCors",
                   [] { return build::get_bucket_cors("b"); },
                   "GetBucketCors",
                   "GET",
                   "http://127.0.0.1:9/b?cors",
                   {}},
        BuilderRow{"PutBucketVersioning",
                   [] { return build::put_bucket_versioning("b", true); },
                   "PutBucketVersioning",
                   "PUT",
                   "http://127.0.0.1:9/b?versioning",
                   {{"Content-Type", kXml}}},
        BuilderRow{"GetBucketVersioning",
                   [] { return build::get_bucket_versioning("b"); },
                   "GetBucketVersioning",
                   "GET",
                   "http://127.0.0.1:9/b?versioning",
                   {}}),
    [](const ::testing::TestParamInfo<BuilderRow>& info) { return std::string(info.param.name); });

TEST(S3Requests, PutObjectReadsTheUnquotedEtagAndTheVersion) {
  FakeRequestClient fake([](const HttpRequest&, int) {
    return answer(200, "", {{"ETag", "\"0123\""}, {"x-amz-version-id", "v7"}});
  });
  auto put = fake.client->put_object({.bucket = "b", .key = "k", .body = Body::from_string("x")});
  ASSERT_TRUE(put.ok()) << put.error().describe();
  EXPECT_EQ(put->etag, "0123");
  EXPECT_EQ(put->version_id, "v7");
}

TEST(S3Requests, HeadObjectReadsTheMetadataByItsLowerCaseName) {
  FakeRequestClient fake([](const HttpRequest&, int) {
    return answer(200, "", {{"Content-Length", "12"}, {"X-Amz-Meta-Imgsync-Sha256", "abc"}});
  });
  auto head = fake.client->head_object("b", "k");
  ASSERT_TRUE(head.ok()) << head.error().describe();
  EXPECT_EQ(head->size, 12u);
  EXPECT_EQ(head->metadata["imgsync-sha256"], "abc");
}

TEST(S3Requests, ListObjectsV2CarriesTheServersDateAndTheBucketRegion) {
  FakeRequestClient fake([](const HttpRequest&, int) {
    return answer_with_body(
        "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>",
        {{"Date", "Tue, 01 Dec 2026 19:00:00 GMT"}, {"x-amz-bucket-region", "eu-west-1"}});
  });
  auto page = fake.client->list_objects_v2({.bucket = "b", .max_keys = 1});
  ASSERT_TRUE(page.ok()) << page.error().describe();
  EXPECT_EQ(page->server_date, "Tue, 01 Dec 2026 19:00:00 GMT");
  EXPECT_EQ(page->bucket_region, "eu-west-1");
}

TEST(S3Requests, APartNumberOutsideTheRangeIsRefusedBeforeAnythingIsSent) {
  FakeRequestClient fake([](const HttpRequest&, int) { return answer(200); });
  auto part = fake.client->upload_part("b", "k", "u1", 10001, Body::from_string("x"));
  ASSERT_FALSE(part.ok());
  EXPECT_EQ(part.error().category, ErrorCategory::kInvalidInput);
  EXPECT_TRUE(fake.engine->requests().empty());
}

TEST(S3Requests, CompleteAnswering200WithAnErrorBodyIsThatError) {
  FakeRequestClient fake([](const HttpRequest&, int) {
    return answer_with_body(
        "<?xml version=\"1.0\"?><Error><Code>InternalError</Code><Message>assembly "
        "failed</Message></Error>");
  });
  auto done = fake.client->complete_multipart_upload("b", "big.tif", "u1", {{1, "e1"}});
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error().s3_code, "InternalError");
  EXPECT_EQ(done.error().http_status, 500);
  EXPECT_EQ(fake.engine->requests().size(), 1u);
}

TEST(S3Requests, CompleteWithAnEmptyEtagReadsItOffTheObject) {
  // Ceph RGW 16 answers <ETag></ETag>.
  FakeRequestClient fake([](const HttpRequest& request, int number) {
    if (number == 1) {
      return answer_with_body(
          "<CompleteMultipartUploadResult><ETag></ETag></CompleteMultipartUploadResult>",
          {{"x-amz-version-id", "v2"}});
    }
    EXPECT_EQ(request.method, "HEAD");
    return answer(200, "", {{"ETag", "\"ab-2\""}});
  });
  std::optional<Result<PutObjectResult>> done;
  fake.client->complete_multipart_upload_async(
      {"b", "big.tif", "u1", {{1, "e1"}, {2, "e2"}}},
      [&done](Result<PutObjectResult> result) { done = std::move(result); });
  fake.engine->run_until([&done] { return done.has_value(); });
  ASSERT_TRUE(done && done->ok()) << (done ? done->error().describe() : "not done");
  EXPECT_EQ((*done)->etag, "ab-2");
  EXPECT_EQ((*done)->version_id, "v2");
  ASSERT_EQ(fake.engine->requests().size(), 2u);
  EXPECT_EQ(fake.engine->requests()[1].url, "http://127.0.0.1:9/b/big.tif");
}

TEST(S3Requests, ListPartsOfAVanishedUploadIsNoSuchUploadWhateverTheServerCallsIt) {
  // Ceph RGW says NoSuchKey.
  FakeRequestClient fake([](const HttpRequest&, int) { return answer(404, "NoSuchKey"); });
  auto parts = fake.client->list_parts("b", "big.tif", "u1");
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(parts.error().category, ErrorCategory::kNotFound);
  EXPECT_EQ(parts.error().s3_code, "NoSuchUpload");
  EXPECT_NE(parts.error().message.find("starts again from the first part"), std::string::npos);
}

TEST(S3Requests, ListPartsFollowsThePages) {
  FakeRequestClient fake([](const HttpRequest&, int number) {
    return answer_with_body(
        number == 1
            ? "<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>1</"
              "NextPartNumberMarker><Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag><Size>5</"
              "Size></Part></ListPartsResult>"
            : "<ListPartsResult><IsTruncated>false</IsTruncated><Part><PartNumber>2</"
              "PartNumber><ETag>\"b\"</ETag><Size>5</Size></Part></ListPartsResult>");
  });
  auto parts = fake.client->list_parts("b", "big.tif", "u1");
  ASSERT_TRUE(parts.ok()) << parts.error().describe();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[1].etag, "b");
  ASSERT_EQ(fake.engine->requests().size(), 2u);
  EXPECT_EQ(fake.engine->requests()[1].url,
            "http://127.0.0.1:9/b/big.tif?uploadId=u1&max-parts=1000&part-number-marker=1");
}

}  // namespace
}  // namespace imgsync::s3
