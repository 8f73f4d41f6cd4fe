// S3Client: buckets and their configuration (used by `imgsync init`), sent as s3_requests.h
// builds them.
#include "s3/s3_client.h"
#include "s3/s3_xml.h"

namespace imgsync::s3 {
namespace {

Status status_of(Result<HttpResponse> response) {
  if (!response.ok()) return response.take_error();
  return {};
}

}  // namespace

Status S3Client::create_bucket(const std::string& bucket) {
  return status_of(send(build::create_bucket(bucket, settings_.region)));
}

Status S3Client::head_bucket(const std::string& bucket) {
  return status_of(send(build::head_bucket(bucket)));
}

Status S3Client::delete_bucket(const std::string& bucket) {
  return status_of(send(build::delete_bucket(bucket)));
}

Status S3Client::put_bucket_policy(const std::string& bucket, const std::string& policy_json) {
  return status_of(send(build::put_bucket_policy(bucket, policy_json)));
}

Result<std::string> S3Client::get_bucket_policy(const std::string& bucket) {
  auto response = send(build::get_bucket_policy(bucket));
  if (!response.ok()) return response.take_error();
  return std::move(response->body);
}

Status S3Client::delete_bucket_policy(const std::string& bucket) {
  return status_of(send(build::delete_bucket_policy(bucket)));
}

Status S3Client::put_public_access_block(const std::string& bucket,
                                         const PublicAccessBlock& block) {
  return status_of(send(build::put_public_access_block(bucket, block)));
}

Result<PublicAccessBlock> S3Client::get_public_access_block(const std::string& bucket) {
  auto response = send(build::get_public_access_block(bucket));
  if (!response.ok()) return response.take_error();
  return xml::parse_public_access_block(response->body);
}

Status S3Client::delete_public_access_block(const std::string& bucket) {
  return status_of(send(build::delete_public_access_block(bucket)));
}

Status S3Client::put_bucket_lifecycle(const std::string& bucket,
                                      const std::vector<LifecycleRule>& rules) {
  return status_of(send(build::put_bucket_lifecycle(bucket, rules)));
}

Result<std::vector<LifecycleRule>> S3Client::get_bucket_lifecycle(const std::string& bucket) {
  auto response = send(build::get_bucket_lifecycle(bucket));
  if (!response.ok()) return response.take_error();
  return xml::parse_lifecycle(response->body);
}

Status S3Client::put_bucket_cors(const std::string& bucket, const std::vector<CorsRule>& rules) {
  return status_of(send(build::put_bucket_cors(bucket, rules)));
}

Result<std::vector<CorsRule>> S3Client::get_bucket_cors(const std::string& bucket) {
  auto response = send(build::get_bucket_cors(bucket));
  if (!response.ok()) return response.take_error();
  return xml::parse_cors(response->body);
}

Status S3Client::put_bucket_versioning(const std::string& bucket, bool enabled) {
  return status_of(send(build::put_bucket_versioning(bucket, enabled)));
}

Result<std::string> S3Client::get_bucket_versioning(const std::string& bucket) {
  auto response = send(build::get_bucket_versioning(bucket));
  if (!response.ok()) return response.take_error();
  return xml::parse_versioning_status(response->body);
}

}  // namespace imgsync::s3
