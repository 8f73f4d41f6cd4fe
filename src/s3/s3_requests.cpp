#include "s3/s3_requests.h"

#include <fmt/format.h>

#include "s3/s3_object_headers.h"
#include "s3/s3_xml.h"

namespace imgsync::s3 {
namespace {

S3Request object_request(const char* operation, const char* method, std::string bucket,
                         std::string key) {
  S3Request request;
  request.operation = operation;
  request.method = method;
  request.bucket = std::move(bucket);
  request.key = std::move(key);
  return request;
}

// A bucket request on a subresource ("policy", "cors"...; "" for the bucket itself).
S3Request bucket_request(const char* operation, const char* method, const std::string& bucket,
                         const char* subresource) {
  S3Request request = object_request(operation, method, bucket, "");
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

namespace build {

S3Request put_object(PutObjectRequest request) {
  S3Request put =
      object_request("PutObject", "PUT", std::move(request.bucket), std::move(request.key));
  put.headers = object_attribute_headers(request.attributes);
  if (request.if_none_match) put.headers.push_back({"If-None-Match", "*"});
  if (!request.if_match.empty()) put.headers.push_back({"If-Match", request.if_match});
  put.body = std::move(request.body);
  return put;
}

S3Request get_object(const GetObjectRequest& request) {
  S3Request get = object_request("GetObject", "GET", request.bucket, request.key);
  if (request.range) {
    get.headers.push_back(
        {"Range", fmt::format("bytes={}-{}", request.range->first, request.range->second)});
  }
  get.download_to = request.download_to;
  return get;
}

S3Request head_object(const ObjectRef& object) {
  return object_request("HeadObject", "HEAD", object.bucket, object.key);
}

S3Request delete_object(const ObjectRef& object) {
  return object_request("DeleteObject", "DELETE", object.bucket, object.key);
}

S3Request delete_objects(const std::string& bucket, const std::vector<std::string>& keys) {
  S3Request request = bucket_request("DeleteObjects", "POST", bucket, "delete");
  request.headers = {{"Content-Type", "application/xml"}};
  request.body = Body::from_string(xml::delete_objects_body(keys));
  return request;
}

S3Request list_objects_v2(const ListObjectsRequest& request) {
  S3Request list = bucket_request("ListObjectsV2", "GET", request.bucket, "");
  list.query = {
      {"list-type", "2"}, {"encoding-type", "url"}, {"max-keys", std::to_string(request.max_keys)}};
  if (!request.prefix.empty()) list.query.emplace_back("prefix", request.prefix);
  if (!request.delimiter.empty()) list.query.emplace_back("delimiter", request.delimiter);
  if (!request.start_after.empty()) list.query.emplace_back("start-after", request.start_after);
  if (!request.continuation_token.empty()) {
    list.query.emplace_back("continuation-token", request.continuation_token);
  }
  return list;
}

S3Request copy_object(const CopyObjectRequest& request) {
  S3Request copy = object_request("CopyObject", "PUT", request.bucket, request.key);
  if (request.replace) {
    copy.headers = object_attribute_headers(*request.replace);
    copy.headers.push_back({"x-amz-metadata-directive", "REPLACE"});
    if (!request.replace->tags.empty()) {
      copy.headers.push_back({"x-amz-tagging-directive", "REPLACE"});
    }
  }
  copy.headers.push_back(
      {"x-amz-copy-source", copy_source_header(request.source_bucket, request.source_key)});
  return copy;
}

S3Request get_object_tagging(const ObjectRef& object) {
  S3Request request = object_request("GetObjectTagging", "GET", object.bucket, object.key);
  request.query = {{"tagging", ""}};
  return request;
}

S3Request create_multipart_upload(const CreateMultipartUploadRequest& request) {
  S3Request create = object_request("CreateMultipartUpload", "POST", request.bucket, request.key);
  create.query = {{"uploads", ""}};
  create.headers = object_attribute_headers(request.attributes);
  return create;
}

S3Request upload_part(UploadPartRequest request) {
  S3Request part =
      object_request("UploadPart", "PUT", std::move(request.bucket), std::move(request.key));
  part.query = {{"partNumber", std::to_string(request.part_number)},
                {"uploadId", std::move(request.upload_id)}};
  part.body = std::move(request.body);
  return part;
}

S3Request complete_multipart_upload(const CompleteMultipartUploadRequest& request) {
  S3Request complete =
      object_request("CompleteMultipartUpload", "POST", request.bucket, request.key);
  complete.query = {{"uploadId", request.upload_id}};
  complete.headers = {{"Content-Type", "application/xml"}};
  complete.body = Body::from_string(xml::complete_multipart_body(request.parts));
  return complete;
}

S3Request abort_multipart_upload(const MultipartUploadRef& upload) {
  S3Request abort = object_request("AbortMultipartUpload", "DELETE", upload.bucket, upload.key);
  abort.query = {{"uploadId", upload.upload_id}};
  return abort;
}

S3Request list_parts(const ListPartsRequest& request) {
  S3Request list = object_request("ListParts", "GET", request.bucket, request.key);
  list.query = {{"uploadId", request.upload_id}, {"max-parts", std::to_string(request.max_parts)}};
  if (!request.part_number_marker.empty()) {
    list.query.emplace_back("part-number-marker", request.part_number_marker);
  }
  return list;
}

S3Request list_multipart_uploads(const ListMultipartUploadsRequest& request) {
  S3Request list = bucket_request("ListMultipartUploads", "GET", request.bucket, "uploads");
  if (!request.prefix.empty()) list.query.emplace_back("prefix", request.prefix);
  if (!request.key_marker.empty()) list.query.emplace_back("key-marker", request.key_marker);
  if (!request.upload_id_marker.empty()) {
    list.query.emplace_back("upload-id-marker", request.upload_id_marker);
  }
  return list;
}

S3Request create_bucket(const std::string& bucket, const std::string& region) {
  return bucket_put("CreateBucket", bucket, "", xml::create_bucket_body(region));
}

S3Request head_bucket(const std::string& bucket) {
  return bucket_request("HeadBucket", "HEAD", bucket, "");
}

S3Request delete_bucket(const std::string& bucket) {
  return bucket_request("DeleteBucket", "DELETE", bucket, "");
}

S3Request put_bucket_policy(const std::string& bucket, std::string policy_json) {
  return bucket_put("PutBucketPolicy", bucket, "policy", std::move(policy_json),
                    "application/json");
}

S3Request get_bucket_policy(const std::string& bucket) {
  return bucket_request("GetBucketPolicy", "GET", bucket, "policy");
}

S3Request delete_bucket_policy(const std::string& bucket) {
  return bucket_request("DeleteBucketPolicy", "DELETE", bucket, "policy");
}

S3Request put_public_access_block(const std::string& bucket, const PublicAccessBlock& block) {
  return bucket_put("PutPublicAccessBlock", bucket, "publicAccessBlock",
                    xml::public_access_block_body(block));
}

S3Request get_public_access_block(const std::string& bucket) {
  return bucket_request("GetPublicAccessBlock", "GET", bucket, "publicAccessBlock");
}

S3Request delete_public_access_block(const std::string& bucket) {
  return bucket_request("DeletePublicAccessBlock", "DELETE", bucket, "publicAccessBlock");
}

S3Request put_bucket_lifecycle(const std::string& bucket, const std::vector<LifecycleRule>& rules) {
  return bucket_put("PutBucketLifecycleConfiguration", bucket, "lifecycle",
                    xml::lifecycle_body(rules));
}

S3Request get_bucket_lifecycle(const std::string& bucket) {
  return bucket_request("GetBucketLifecycleConfiguration", "GET", bucket, "lifecycle");
}

S3Request put_bucket_cors(const std::string& bucket, const std::vector<CorsRule>& rules) {
  return bucket_put("PutBucketCors", bucket, "cors", xml::cors_body(rules));
}

S3Request get_bucket_cors(const std::string& bucket) {
  return bucket_request("GetBucketCors", "GET", bucket, "cors");
}

S3Request put_bucket_versioning(const std::string& bucket, bool enabled) {
  return bucket_put("PutBucketVersioning", bucket, "versioning", xml::versioning_body(enabled));
}

S3Request get_bucket_versioning(const std::string& bucket) {
  return bucket_request("GetBucketVersioning", "GET", bucket, "versioning");
}

}  // namespace build

namespace read {

PutObjectResult put_object(const HttpResponse& response) {
  return {xml::strip_quotes(response.header("ETag")), response.header("x-amz-version-id")};
}

std::string upload_part(const HttpResponse& response) {
  return xml::strip_quotes(response.header("ETag"));
}

Result<ObjectInfo> head_object(const std::string& key, const HttpResponse& response) {
  return object_info_from_headers(key, response);
}

Result<GetObjectResult> get_object(const std::string& key, HttpResponse response) {
  auto info = object_info_from_headers(key, response);
  if (!info.ok()) return info.take_error();
  return GetObjectResult{std::move(*info), std::move(response.body)};
}

Result<ListObjectsPage> list_objects_v2(const HttpResponse& response) {
  auto page = xml::parse_list_objects_v2(response.body);
  if (!page.ok()) return page.take_error();
  page->server_date = response.header("Date");
  page->bucket_region = response.header("x-amz-bucket-region");
  return page;
}

Result<PutObjectResult> copy_object(const HttpResponse& response) {
  auto etag = xml::parse_etag_result(response.body, "CopyObjectResult");
  if (!etag.ok()) return etag.take_error();
  return PutObjectResult{*etag, response.header("x-amz-version-id")};
}

}  // namespace read

}  // namespace imgsync::s3
