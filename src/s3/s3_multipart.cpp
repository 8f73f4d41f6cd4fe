// S3Client: the multipart upload API.
#include <fmt/format.h>

#include "s3/s3_client.h"
#include "s3/s3_error.h"
#include "s3/s3_object_headers.h"
#include "s3/s3_xml.h"

namespace imgsync::s3 {

Result<std::string> S3Client::create_multipart_upload(const std::string& bucket,
                                                      const std::string& key,
                                                      const ObjectAttributes& attributes) {
  S3Request request;
  request.operation = "CreateMultipartUpload";
  request.method = "POST";
  request.bucket = bucket;
  request.key = key;
  request.query = {{"uploads", ""}};
  request.headers = object_attribute_headers(attributes);
  auto response = send(std::move(request));
  if (!response.ok()) return response.take_error();
  return xml::parse_initiate_multipart(response->body);
}

Result<std::string> S3Client::upload_part(const std::string& bucket, const std::string& key,
                                          const std::string& upload_id, int part_number,
                                          Body body) {
  if (part_number < 1 || part_number > 10000) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("part number {} is outside 1..10000", part_number));
  }
  S3Request request;
  request.operation = "UploadPart";
  request.method = "PUT";
  request.bucket = bucket;
  request.key = key;
  request.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
  request.body = std::move(body);
  auto response = send(std::move(request));
  if (!response.ok()) return response.take_error();
  return xml::strip_quotes(response->header("ETag"));
}

Result<PutObjectResult> S3Client::complete_multipart_upload(
    const std::string& bucket, const std::string& key, const std::string& upload_id,
    const std::vector<CompletedPart>& parts) {
  S3Request request;
  request.operation = "CompleteMultipartUpload";
  request.method = "POST";
  request.bucket = bucket;
  request.key = key;
  request.query = {{"uploadId", upload_id}};
  request.headers = {{"Content-Type", "application/xml"}};
  request.body = Body::from_string(xml::complete_multipart_body(parts));
  const std::string target = fmt::format("s3://{}/{}", bucket, key);
  auto response = send(std::move(request));
  if (!response.ok()) return response.take_error();
  // The server may answer 200 and report a failure in the body after a long assembly.
  if (!parse_error_body(response->body).code.empty()) {
    HttpResponse failed = *response;
    failed.status = 500;
    return error_from_response(failed, {"CompleteMultipartUpload", target,
                                        settings_.credentials.access_key_id, settings_.region});
  }
  auto etag = xml::parse_etag_result(response->body, "CompleteMultipartUploadResult");
  if (!etag.ok()) return etag.take_error();
  PutObjectResult result{*etag, response->header("x-amz-version-id")};
  if (result.etag.empty()) {
    // Ceph RGW (Debian 12's 16.2) answers <ETag></ETag>: ask the object itself.
    auto head = head_object(bucket, key);
    if (!head.ok()) return head.take_error();
    result.etag = head->etag;
  }
  return result;
}

Status S3Client::abort_multipart_upload(const std::string& bucket, const std::string& key,
                                        const std::string& upload_id) {
  S3Request request;
  request.operation = "AbortMultipartUpload";
  request.method = "DELETE";
  request.bucket = bucket;
  request.key = key;
  request.query = {{"uploadId", upload_id}};
  auto response = send(std::move(request));
  if (!response.ok()) return response.take_error();
  return {};
}

Result<std::vector<PartInfo>> S3Client::list_parts(const std::string& bucket,
                                                   const std::string& key,
                                                   const std::string& upload_id) {
  std::vector<PartInfo> parts;
  std::string marker;
  while (true) {
    S3Request request;
    request.operation = "ListParts";
    request.bucket = bucket;
    request.key = key;
    request.query = {{"uploadId", upload_id}, {"max-parts", "1000"}};
    if (!marker.empty()) request.query.emplace_back("part-number-marker", marker);
    auto response = send(std::move(request));
    if (!response.ok()) {
      Error error = response.take_error();
      if (error.s3_code == "NoSuchKey") {
        // Ceph RGW says NoSuchKey where S3 says NoSuchUpload: the upload is gone either way.
        error.s3_code = "NoSuchUpload";
        error.message = fmt::format(
            "multipart upload {} of s3://{}/{} no longer exists (completed, aborted or expired); "
            "the upload starts again from the first part",
            upload_id, bucket, key);
      }
      return error;
    }
    auto page = xml::parse_list_parts(response->body);
    if (!page.ok()) return page.take_error();
    parts.insert(parts.end(), page->parts.begin(), page->parts.end());
    if (!page->truncated || page->next_marker.empty() || page->next_marker == marker) break;
    marker = page->next_marker;
  }
  return parts;
}

Result<std::vector<MultipartUploadInfo>> S3Client::list_multipart_uploads(
    const std::string& bucket, const std::string& prefix) {
  std::vector<MultipartUploadInfo> uploads;
  std::string key_marker, upload_id_marker;
  while (true) {
    S3Request request;
    request.operation = "ListMultipartUploads";
    request.bucket = bucket;
    request.query = {{"uploads", ""}};
    if (!prefix.empty()) request.query.emplace_back("prefix", prefix);
    if (!key_marker.empty()) request.query.emplace_back("key-marker", key_marker);
    if (!upload_id_marker.empty()) request.query.emplace_back("upload-id-marker", upload_id_marker);
    auto response = send(std::move(request));
    if (!response.ok()) return response.take_error();
    auto page = xml::parse_list_multipart_uploads(response->body);
    if (!page.ok()) return page.take_error();
    uploads.insert(uploads.end(), page->uploads.begin(), page->uploads.end());
    if (!page->truncated || page->next_key_marker.empty()) break;
    key_marker = page->next_key_marker;
    upload_id_marker = page->next_upload_id_marker;
  }
  return uploads;
}

}  // namespace imgsync::s3
