// One builder per S3 operation: its typed request in, the S3Request that carries it (method,
// bucket, key, query, headers, body) out; and one reader per answer where the answer's headers
// or body make the typed result. S3Client sends what these build, and nothing outside s3/ writes
// an S3 request, a query string or an S3 header name (tests/s3/s3_requests_test.cpp pins each
// builder's method, path, query and headers).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "s3/http_types.h"
#include "s3/s3_types.h"
#include "util/result.h"

namespace imgsync::s3 {

// One S3 request before signing: what a builder makes and S3Client::send() signs and sends.
struct S3Request {
  std::string operation;  // "PutObject": for messages and logs
  std::string method = "GET";
  std::string bucket;                                      // empty: service-level request
  std::string key;                                         // decoded
  std::vector<std::pair<std::string, std::string>> query;  // decoded
  std::vector<HttpHeader> headers;
  Body body;
  std::optional<std::filesystem::path> download_to;
};

namespace build {

// Objects.
S3Request put_object(PutObjectRequest request);
S3Request get_object(const GetObjectRequest& request);
S3Request head_object(const ObjectRef& object);
S3Request delete_object(const ObjectRef& object);
// At most 1,000 keys (the API's limit; S3Client::delete_objects sends as many as it takes).
S3Request delete_objects(const std::string& bucket, const std::vector<std::string>& keys);
S3Request list_objects_v2(const ListObjectsRequest& request);
S3Request copy_object(const CopyObjectRequest& request);
S3Request get_object_tagging(const ObjectRef& object);

// Multipart uploads.
S3Request create_multipart_upload(const CreateMultipartUploadRequest& request);
S3Request upload_part(UploadPartRequest request);
S3Request complete_multipart_upload(const CompleteMultipartUploadRequest& request);
S3Request abort_multipart_upload(const MultipartUploadRef& upload);
S3Request list_parts(const ListPartsRequest& request);
S3Request list_multipart_uploads(const ListMultipartUploadsRequest& request);

// Buckets and their configuration. `region` "" or "us-east-1": no location constraint.
S3Request create_bucket(const std::string& bucket, const std::string& region);
S3Request head_bucket(const std::string& bucket);
S3Request delete_bucket(const std::string& bucket);
S3Request put_bucket_policy(const std::string& bucket, std::string policy_json);
S3Request get_bucket_policy(const std::string& bucket);
S3Request delete_bucket_policy(const std::string& bucket);
S3Request put_public_access_block(const std::string& bucket, const PublicAccessBlock& block);
S3Request get_public_access_block(const std::string& bucket);
S3Request delete_public_access_block(const std::string& bucket);
S3Request put_bucket_lifecycle(const std::string& bucket, const std::vector<LifecycleRule>& rules);
S3Request get_bucket_lifecycle(const std::string& bucket);
S3Request put_bucket_cors(const std::string& bucket, const std::vector<CorsRule>& rules);
S3Request get_bucket_cors(const std::string& bucket);
S3Request put_bucket_versioning(const std::string& bucket, bool enabled);
S3Request get_bucket_versioning(const std::string& bucket);

}  // namespace build

namespace read {

// PutObject, and CompleteMultipartUpload's version: the ETag (unquoted) and version id headers.
PutObjectResult put_object(const HttpResponse& response);
// UploadPart: the part's ETag, unquoted.
std::string upload_part(const HttpResponse& response);
// HeadObject: the object's attributes from the headers.
Result<ObjectInfo> head_object(const std::string& key, const HttpResponse& response);
// GetObject: the attributes and the body (empty when it went to a file).
Result<GetObjectResult> get_object(const std::string& key, HttpResponse response);
// ListObjectsV2: the page, with the Date and bucket region the server answered with.
Result<ListObjectsPage> list_objects_v2(const HttpResponse& response);
// CopyObject: a 200 that may still carry an <Error>.
Result<PutObjectResult> copy_object(const HttpResponse& response);

}  // namespace read

}  // namespace imgsync::s3
