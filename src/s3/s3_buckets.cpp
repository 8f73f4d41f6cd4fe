// S3Client: buckets and their configuration (used by `imgsync init`).
#include <fmt/format.h>

#include "s3/s3_client.h"
#include "s3/s3_xml.h"

namespace imgsync::s3 {
namespace {

S3Request bucket_request(const char* operation, const char* method, const std::string& bucket,
                         const char* subresource) {
  S3Request request;
  request.operation = operation;
  request.method = method;
  request.bucket = bucket;
  if (subresource[0] != '\0') request.query = {{subresource, ""}};
  return request;
}

S3Request bucket_put(const char* operation, const std::string& bucket, const char* subresource,
                     std::string body, const char* content_type = "application/xml") {
  S3Request request = bucket_request(operation, "PUT", bucket, subresource);
  request.headers = {{"Content-Type", content_type}};
  request.body = Body::from_string(std::move(body));
  return request;
}

}  // namespace

Status S3Client::create_bucket(const std::string& bucket) {
  S3Request request =
      bucket_put("CreateBucket", bucket, "", xml::create_bucket_body(settings_.region));
  auto response = send(std::move(request));
  if (!response.ok()) return response.take_error();
  return {};
}

Status S3Client::head_bucket(const std::string& bucket) {
  auto response = send(bucket_request("HeadBucket", "HEAD", bucket, ""));
  if (!response.ok()) return response.take_error();
  return {};
}

Status S3Client::delete_public_access_block(const std::string& bucket) {
  auto response =
      send(bucket_request("DeletePublicAccessBlock", "DELETE", bucket, "publicAccessBlock"));
  if (!response.ok()) return response.take_error();
  return {};
}

Status S3Client::delete_bucket(const std::string& bucket) {
  auto response = send(bucket_request("DeleteBucket", "DELETE", bucket, ""));
  if (!response.ok()) return response.take_error();
  return {};
}

Status S3Client::put_bucket_policy(const std::string& bucket, const std::string& policy_json) {
  auto response =
      send(bucket_put("PutBucketPolicy", bucket, "policy", policy_json, "application/json"));
  if (!response.ok()) return response.take_error();
  return {};
}

Result<std::string> S3Client::get_bucket_policy(const std::string& bucket) {
  auto response = send(bucket_request("GetBucketPolicy", "GET", bucket, "policy"));
  if (!response.ok()) return response.take_error();
  return std::move(response->body);
}

Status S3Client::delete_bucket_policy(const std::string& bucket) {
  auto response = send(bucket_request("DeleteBucketPolicy", "DELETE", bucket, "policy"));
  if (!response.ok()) return response.take_error();
  return {};
}

Status S3Client::put_public_access_block(const std::string& bucket,
                                         const PublicAccessBlock& block) {
  auto response = send(bucket_put("PutPublicAccessBlock", bucket, "publicAccessBlock",
                                  xml::public_access_block_body(block)));
  if (!response.ok()) return response.take_error();
  return {};
}

Result<PublicAccessBlock> S3Client::get_public_access_block(const std::string& bucket) {
  auto response = send(bucket_request("GetPublicAccessBlock", "GET", bucket, "publicAccessBlock"));
  if (!response.ok()) return response.take_error();
  return xml::parse_public_access_block(response->body);
}

Status S3Client::put_bucket_lifecycle(const std::string& bucket,
                                      const std::vector<LifecycleRule>& rules) {
  auto response = send(bucket_put("PutBucketLifecycleConfiguration", bucket, "lifecycle",
                                  xml::lifecycle_body(rules)));
  if (!response.ok()) return response.take_error();
  return {};
}

Result<std::vector<LifecycleRule>> S3Client::get_bucket_lifecycle(const std::string& bucket) {
  auto response =
      send(bucket_request("GetBucketLifecycleConfiguration", "GET", bucket, "lifecycle"));
  if (!response.ok()) return response.take_error();
  return xml::parse_lifecycle(response->body);
}

Status S3Client::put_bucket_cors(const std::string& bucket, const std::vector<CorsRule>& rules) {
  auto response = send(bucket_put("PutBucketCors", bucket, "cors", xml::cors_body(rules)));
  if (!response.ok()) return response.take_error();
  return {};
}

Result<std::vector<CorsRule>> S3Client::get_bucket_cors(const std::string& bucket) {
  auto response = send(bucket_request("GetBucketCors", "GET", bucket, "cors"));
  if (!response.ok()) return response.take_error();
  return xml::parse_cors(response->body);
}

Status S3Client::put_bucket_versioning(const std::string& bucket, bool enabled) {
  auto response =
      send(bucket_put("PutBucketVersioning", bucket, "versioning", xml::versioning_body(enabled)));
  if (!response.ok()) return response.take_error();
  return {};
}

Result<std::string> S3Client::get_bucket_versioning(const std::string& bucket) {
  auto response = send(bucket_request("GetBucketVersioning", "GET", bucket, "versioning"));
  if (!response.ok()) return response.take_error();
  return xml::parse_versioning_status(response->body);
}

}  // namespace imgsync::s3
