// S3Client: object operations.
#include <strings.h>

#include <fmt/format.h>

#include "s3/s3_client.h"
#include "s3/s3_object_headers.h"
#include "s3/s3_xml.h"

namespace imgsync::s3 {

Result<PutObjectResult> S3Client::put_object(PutObjectRequest request) {
  S3Request s3_request;
  s3_request.operation = "PutObject";
  s3_request.method = "PUT";
  s3_request.bucket = std::move(request.bucket);
  s3_request.key = std::move(request.key);
  s3_request.headers = object_attribute_headers(request.attributes);
  if (request.if_none_match) s3_request.headers.push_back({"If-None-Match", "*"});
  s3_request.body = std::move(request.body);
  auto response = send(std::move(s3_request));
  if (!response.ok()) return response.take_error();
  return PutObjectResult{xml::strip_quotes(response->header("ETag")),
                         response->header("x-amz-version-id")};
}

Result<GetObjectResult> S3Client::get_object(const GetObjectRequest& request) {
  S3Request s3_request;
  s3_request.operation = "GetObject";
  s3_request.bucket = request.bucket;
  s3_request.key = request.key;
  if (request.range) {
    s3_request.headers.push_back(
        {"Range", fmt::format("bytes={}-{}", request.range->first, request.range->second)});
  }
  s3_request.download_to = request.download_to;
  auto response = send(std::move(s3_request));
  if (!response.ok()) return response.take_error();
  GetObjectResult result;
  auto info = object_info_from_headers(request.key, *response);
  if (!info.ok()) return info.take_error();
  result.info = std::move(*info);
  result.body = std::move(response->body);
  return result;
}

Result<ObjectInfo> S3Client::head_object(const std::string& bucket, const std::string& key) {
  S3Request request;
  request.operation = "HeadObject";
  request.method = "HEAD";
  request.bucket = bucket;
  request.key = key;
  auto response = send(std::move(request));
  if (!response.ok()) return response.take_error();
  return object_info_from_headers(key, *response);
}

Status S3Client::delete_object(const std::string& bucket, const std::string& key) {
  S3Request request;
  request.operation = "DeleteObject";
  request.method = "DELETE";
  request.bucket = bucket;
  request.key = key;
  auto response = send(std::move(request));
  if (!response.ok()) return response.take_error();
  return {};
}

Result<DeleteObjectsResult> S3Client::delete_objects(const std::string& bucket,
                                                     const std::vector<std::string>& keys) {
  constexpr std::size_t kMaxKeysPerRequest = 1000;  // the API's limit
  DeleteObjectsResult total;
  for (std::size_t start = 0; start < keys.size(); start += kMaxKeysPerRequest) {
    const auto end = std::min(keys.size(), start + kMaxKeysPerRequest);
    S3Request request;
    request.operation = "DeleteObjects";
    request.method = "POST";
    request.bucket = bucket;
    request.query = {{"delete", ""}};
    request.headers = {{"Content-Type", "application/xml"}};
    request.body = Body::from_string(
        xml::delete_objects_body({keys.begin() + static_cast<std::ptrdiff_t>(start),
                                  keys.begin() + static_cast<std::ptrdiff_t>(end)}));
    auto response = send(std::move(request));
    if (!response.ok()) return response.take_error();
    auto page = xml::parse_delete_result(response->body);
    if (!page.ok()) return page.take_error();
    total.deleted.insert(total.deleted.end(), page->deleted.begin(), page->deleted.end());
    total.failed.insert(total.failed.end(), page->failed.begin(), page->failed.end());
  }
  return total;
}

Result<ListObjectsPage> S3Client::list_objects_v2(const ListObjectsRequest& request) {
  S3Request s3_request;
  s3_request.operation = "ListObjectsV2";
  s3_request.bucket = request.bucket;
  s3_request.query = {
      {"list-type", "2"}, {"encoding-type", "url"}, {"max-keys", std::to_string(request.max_keys)}};
  if (!request.prefix.empty()) s3_request.query.emplace_back("prefix", request.prefix);
  if (!request.delimiter.empty()) s3_request.query.emplace_back("delimiter", request.delimiter);
  if (!request.start_after.empty())
    s3_request.query.emplace_back("start-after", request.start_after);
  if (!request.continuation_token.empty()) {
    s3_request.query.emplace_back("continuation-token", request.continuation_token);
  }
  auto response = send(std::move(s3_request));
  if (!response.ok()) return response.take_error();
  return xml::parse_list_objects_v2(response->body);
}

Result<std::vector<ObjectSummary>> S3Client::list_all_objects(const std::string& bucket,
                                                              const std::string& prefix) {
  std::vector<ObjectSummary> all;
  ListObjectsRequest request;
  request.bucket = bucket;
  request.prefix = prefix;
  while (true) {
    auto page = list_objects_v2(request);
    if (!page.ok()) return page.take_error();
    for (auto& object : page->objects) all.push_back(std::move(object));
    if (!page->truncated) break;
    if (page->next_continuation_token.empty()) {
      return make_error(ErrorCategory::kFatal,
                        fmt::format("the server said the listing of s3://{}/{} goes on but gave "
                                    "no continuation token",
                                    bucket, prefix));
    }
    request.continuation_token = page->next_continuation_token;
  }
  return all;
}

Result<std::map<std::string, std::string>> S3Client::get_object_tagging(const std::string& bucket,
                                                                        const std::string& key) {
  S3Request request;
  request.operation = "GetObjectTagging";
  request.bucket = bucket;
  request.key = key;
  request.query = {{"tagging", ""}};
  auto response = send(std::move(request));
  if (!response.ok()) return response.take_error();
  return xml::parse_tagging(response->body);
}

Result<PutObjectResult> S3Client::copy_object(const std::string& source_bucket,
                                              const std::string& source_key,
                                              const std::string& bucket, const std::string& key,
                                              const std::optional<ObjectAttributes>& replace) {
  S3Request request;
  request.operation = "CopyObject";
  request.method = "PUT";
  request.bucket = bucket;
  request.key = key;
  if (replace) {
    request.headers = object_attribute_headers(*replace);
    request.headers.push_back({"x-amz-metadata-directive", "REPLACE"});
    if (!replace->tags.empty()) request.headers.push_back({"x-amz-tagging-directive", "REPLACE"});
  }
  request.headers.push_back({"x-amz-copy-source", copy_source_header(source_bucket, source_key)});
  auto response = send(std::move(request));
  if (!response.ok()) return response.take_error();
  auto etag = xml::parse_etag_result(response->body, "CopyObjectResult");
  if (!etag.ok()) return etag.take_error();
  return PutObjectResult{*etag, response->header("x-amz-version-id")};
}

}  // namespace imgsync::s3
