#include "s3/s3_xml.h"

#include <gtest/gtest.h>

namespace imgsync::s3::xml {
namespace {

TEST(S3Xml, ListObjectsV2WithUrlEncodedKeys) {
  const std::string body = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>b</Name><Prefix></Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
  <EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>
  <NextContinuationToken>tok%2B1</NextContinuationToken>
  <Contents><Key>a%20b%2Bc.jpg</Key><Size>11</Size><ETag>&quot;abc&quot;</ETag>
    <LastModified>2026-05-01T00:00:00.000Z</LastModified><StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>%C3%BC+x.jpg</Key><Size>3</Size><ETag>"def-2"</ETag></Contents>
  <CommonPrefixes><Prefix>dir%2F</Prefix></CommonPrefixes>
</ListBucketResult>)";
  auto page = parse_list_objects_v2(body);
  ASSERT_TRUE(page.ok()) << page.error().describe();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "a b+c.jpg");
  EXPECT_EQ(page->objects[0].size, 11u);
  EXPECT_EQ(page->objects[0].etag, "abc");
  EXPECT_EQ(page->objects[1].key, "\xc3\xbc x.jpg");
  EXPECT_EQ(page->objects[1].etag, "def-2");
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_continuation_token, "tok%2B1");  // opaque: passed back as is
  EXPECT_EQ(page->common_prefixes, std::vector<std::string>{"dir/"});
}

TEST(S3Xml, WrongDocumentIsAnError) {
  EXPECT_FALSE(parse_list_objects_v2("<Other/>").ok());
  EXPECT_FALSE(parse_list_objects_v2("not xml at all <").ok());
  EXPECT_FALSE(parse_initiate_multipart("<InitiateMultipartUploadResult/>").ok());
}

TEST(S3Xml, MultipartDocuments) {
  auto id = parse_initiate_multipart(
      "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>u-1</UploadId>"
      "</InitiateMultipartUploadResult>");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "u-1");
  auto parts = parse_list_parts(
      "<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>2</"
      "NextPartNumberMarker>"
      "<Part><PartNumber>1</PartNumber><ETag>\"e1\"</ETag><Size>5242880</Size></Part>"
      "<Part><PartNumber>2</PartNumber><ETag>\"e2\"</ETag><Size>10</Size></Part></"
      "ListPartsResult>");
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts->parts.size(), 2u);
  EXPECT_EQ(parts->parts[0].size, 5242880u);
  EXPECT_EQ(parts->parts[1].etag, "e2");
  EXPECT_EQ(parts->next_marker, "2");
  const std::string complete = complete_multipart_body({{1, "e1"}, {2, "e2"}});
  EXPECT_NE(complete.find("<Part><PartNumber>1</PartNumber><ETag>\"e1\"</ETag></Part>"),
            std::string::npos)
      << complete;
}

TEST(S3Xml, RequestBodiesEscapeKeys) {
  const std::string body = delete_objects_body({"a&b<c>.jpg"});
  EXPECT_NE(body.find("<Key>a&amp;b&lt;c&gt;.jpg</Key>"), std::string::npos) << body;
}

TEST(S3Xml, BucketConfigurationsRoundTrip) {
  LifecycleRule rule;
  rule.id = "r";
  rule.prefix = "tmp/";
  rule.abort_incomplete_multipart_days = 3;
  rule.expiration_days = 30;
  auto rules = parse_lifecycle(lifecycle_body({rule}));
  ASSERT_TRUE(rules.ok());
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ((*rules)[0].prefix, "tmp/");
  EXPECT_EQ((*rules)[0].abort_incomplete_multipart_days, 3);
  EXPECT_EQ((*rules)[0].expiration_days, 30);

  CorsRule cors;
  cors.allowed_origins = {"https://a.example"};
  cors.allowed_methods = {"GET"};
  cors.max_age_seconds = 60;
  auto cors_rules = parse_cors(cors_body({cors}));
  ASSERT_TRUE(cors_rules.ok());
  EXPECT_EQ((*cors_rules)[0].allowed_origins, std::vector<std::string>{"https://a.example"});

  PublicAccessBlock block{true, false, true, false};
  auto parsed = parse_public_access_block(public_access_block_body(block));
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->block_public_acls);
  EXPECT_FALSE(parsed->ignore_public_acls);
  EXPECT_FALSE(parsed->restrict_public_buckets);

  EXPECT_EQ(*parse_versioning_status(versioning_body(true)), "Enabled");
  EXPECT_TRUE(create_bucket_body("us-east-1").empty());
  EXPECT_NE(create_bucket_body("eu-west-1").find("<LocationConstraint>eu-west-1<"),
            std::string::npos);
}

}  // namespace
}  // namespace imgsync::s3::xml
