// S3Client: object operations, sent as s3_requests.h builds them.
#include <fmt/format.h>

#include "s3/s3_client.h"
#include "s3/s3_xml.h"

namespace imgsync::s3 {

void S3Client::put_object_async(PutObjectRequest request, Done<PutObjectResult> done) {
  send_async(build::put_object(std::move(request)),
             [done = std::move(done)](Result<HttpResponse> response) {
               if (!response.ok()) return done(response.take_error());
               done(read::put_object(*response));
             });
}

void S3Client::get_object_async(const GetObjectRequest& request, Done<GetObjectResult> done) {
  send_async(build::get_object(request),
             [key = request.key, done = std::move(done)](Result<HttpResponse> response) {
               if (!response.ok()) return done(response.take_error());
               done(read::get_object(key, std::move(*response)));
             });
}

void S3Client::head_object_async(const ObjectRef& object, Done<ObjectInfo> done) {
  send_async(build::head_object(object),
             [key = object.key, done = std::move(done)](Result<HttpResponse> response) {
               if (!response.ok()) return done(response.take_error());
               done(read::head_object(key, *response));
             });
}

void S3Client::list_objects_v2_async(const ListObjectsRequest& request,
                                     Done<ListObjectsPage> done) {
  send_async(build::list_objects_v2(request),
             [done = std::move(done)](Result<HttpResponse> response) {
               if (!response.ok()) return done(response.take_error());
               done(read::list_objects_v2(*response));
             });
}

Result<PutObjectResult> S3Client::put_object(PutObjectRequest request) {
  return wait_for<PutObjectResult>(
      [&](Done<PutObjectResult> done) { put_object_async(std::move(request), std::move(done)); });
}

Result<GetObjectResult> S3Client::get_object(const GetObjectRequest& request) {
  return wait_for<GetObjectResult>(
      [&](Done<GetObjectResult> done) { get_object_async(request, std::move(done)); });
}

Result<ObjectInfo> S3Client::head_object(const std::string& bucket, const std::string& key) {
  return wait_for<ObjectInfo>([&](Done<ObjectInfo> done) {
    head_object_async({bucket, key}, std::move(done));
  });
}

Status S3Client::delete_object(const std::string& bucket, const std::string& key) {
  auto response = send(build::delete_object({bucket, key}));
  if (!response.ok()) return response.take_error();
  return {};
}

Result<DeleteObjectsResult> S3Client::delete_objects(const std::string& bucket,
                                                     const std::vector<std::string>& keys) {
  constexpr std::size_t kMaxKeysPerRequest = 1000;  // the API's limit
  DeleteObjectsResult total;
  for (std::size_t start = 0; start < keys.size(); start += kMaxKeysPerRequest) {
    const auto end = std::min(keys.size(), start + kMaxKeysPerRequest);
    auto response =
        send(build::delete_objects(bucket, {keys.begin() + static_cast<std::ptrdiff_t>(start),
                                            keys.begin() + static_cast<std::ptrdiff_t>(end)}));
    if (!response.ok()) return response.take_error();
    auto page = xml::parse_delete_result(response->body);
    if (!page.ok()) return page.take_error();
    total.deleted.insert(total.deleted.end(), page->deleted.begin(), page->deleted.end());
    total.failed.insert(total.failed.end(), page->failed.begin(), page->failed.end());
  }
  return total;
}

Result<ListObjectsPage> S3Client::list_objects_v2(const ListObjectsRequest& request) {
  return wait_for<ListObjectsPage>(
      [&](Done<ListObjectsPage> done) { list_objects_v2_async(request, std::move(done)); });
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
  auto response = send(build::get_object_tagging({bucket, key}));
  if (!response.ok()) return response.take_error();
  return xml::parse_tagging(response->body);
}

Result<PutObjectResult> S3Client::copy_object(const std::string& source_bucket,
                                              const std::string& source_key,
                                              const std::string& bucket, const std::string& key,
                                              const std::optional<ObjectAttributes>& replace) {
  auto response = send(build::copy_object({source_bucket, source_key, bucket, key, replace}));
  if (!response.ok()) return response.take_error();
  return read::copy_object(*response);
}

}  // namespace imgsync::s3
