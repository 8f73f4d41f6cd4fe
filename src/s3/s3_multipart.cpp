// S3Client: the multipart upload API, and Ceph RGW's quirks in it (handled here, once).
#include <fmt/format.h>

#include "s3/s3_client.h"
#include "s3/s3_error.h"
#include "s3/s3_xml.h"

namespace imgsync::s3 {

void S3Client::create_multipart_upload_async(const CreateMultipartUploadRequest& request,
                                             Done<std::string> done) {
  send_async(build::create_multipart_upload(request),
             [done = std::move(done)](Result<HttpResponse> response) {
               if (!response.ok()) return done(response.take_error());
               done(xml::parse_initiate_multipart(response->body));
             });
}

void S3Client::upload_part_async(UploadPartRequest request, Done<std::string> done) {
  if (request.part_number < 1 || request.part_number > 10000) {
    return done(make_error(ErrorCategory::kInvalidInput,
                           fmt::format("part number {} is outside 1..10000", request.part_number)));
  }
  send_async(build::upload_part(std::move(request)),
             [done = std::move(done)](Result<HttpResponse> response) {
               if (!response.ok()) return done(response.take_error());
               done(read::upload_part(*response));
             });
}

void S3Client::complete_multipart_upload_async(const CompleteMultipartUploadRequest& request,
                                               Done<PutObjectResult> done) {
  ErrorContext context{"CompleteMultipartUpload",
                       fmt::format("s3://{}/{}", request.bucket, request.key),
                       settings_.credentials.access_key_id, settings_.region};
  ObjectRef object{request.bucket, request.key};
  send_async(build::complete_multipart_upload(request),
             [this, context, object, done = std::move(done)](Result<HttpResponse> response) {
               if (!response.ok()) return done(response.take_error());
               // The server may answer 200 and report a failure in the body after a long assembly.
               if (!parse_error_body(response->body).code.empty()) {
                 HttpResponse failed = *response;
                 failed.status = 500;
                 return done(error_from_response(failed, context));
               }
               auto etag = xml::parse_etag_result(response->body, "CompleteMultipartUploadResult");
               if (!etag.ok()) return done(etag.take_error());
               PutObjectResult result{*etag, response->header("x-amz-version-id")};
               if (!result.etag.empty()) return done(std::move(result));
               // Ceph RGW (Debian 12's 16.2) answers <ETag></ETag>: ask the object itself.
               head_object_async(object,
                                 [done, version_id = result.version_id](Result<ObjectInfo> head) {
                                   if (!head.ok()) return done(head.take_error());
                                   done(PutObjectResult{head->etag, version_id});
                                 });
             });
}

void S3Client::list_parts_async(const ListPartsRequest& request, Done<ListPartsPage> done) {
  send_async(build::list_parts(request), [request,
                                          done = std::move(done)](Result<HttpResponse> response) {
    if (!response.ok()) {
      Error error = response.take_error();
      if (error.s3_code == "NoSuchKey") {
        // Ceph RGW says NoSuchKey where S3 says NoSuchUpload: the upload is gone either way.
        error.s3_code = "NoSuchUpload";
        error.message = fmt::format(
            "multipart upload {} of s3://{}/{} no longer exists (completed, aborted or expired); "
            "the upload starts again from the first part",
            request.upload_id, request.bucket, request.key);
      }
      return done(std::move(error));
    }
    done(xml::parse_list_parts(response->body));
  });
}

Result<std::string> S3Client::create_multipart_upload(const std::string& bucket,
                                                      const std::string& key,
                                                      const ObjectAttributes& attributes) {
  return wait_for<std::string>([&](Done<std::string> done) {
    create_multipart_upload_async({bucket, key, attributes}, std::move(done));
  });
}

Result<std::string> S3Client::upload_part(const std::string& bucket, const std::string& key,
                                          const std::string& upload_id, int part_number,
                                          Body body) {
  return wait_for<std::string>([&](Done<std::string> done) {
    upload_part_async({bucket, key, upload_id, part_number, std::move(body)}, std::move(done));
  });
}

Result<PutObjectResult> S3Client::complete_multipart_upload(
    const std::string& bucket, const std::string& key, const std::string& upload_id,
    const std::vector<CompletedPart>& parts) {
  return wait_for<PutObjectResult>([&](Done<PutObjectResult> done) {
    complete_multipart_upload_async({bucket, key, upload_id, parts}, std::move(done));
  });
}

void S3Client::abort_multipart_upload_async(const MultipartUploadRef& upload,
                                            Done<std::string> done) {
  send_async(build::abort_multipart_upload(upload),
             [id = upload.upload_id, done = std::move(done)](Result<HttpResponse> response) {
               if (!response.ok()) return done(response.take_error());
               done(id);
             });
}

Status S3Client::abort_multipart_upload(const std::string& bucket, const std::string& key,
                                        const std::string& upload_id) {
  auto aborted = wait_for<std::string>([&](Done<std::string> done) {
    abort_multipart_upload_async({bucket, key, upload_id}, std::move(done));
  });
  if (!aborted.ok()) return aborted.take_error();
  return {};
}

void S3Client::list_multipart_uploads_async(const ListMultipartUploadsRequest& request,
                                            Done<ListMultipartUploadsPage> done) {
  send_async(build::list_multipart_uploads(request),
             [done = std::move(done)](Result<HttpResponse> response) {
               if (!response.ok()) return done(response.take_error());
               done(xml::parse_list_multipart_uploads(response->body));
             });
}

Result<std::vector<PartInfo>> S3Client::list_parts(const std::string& bucket,
                                                   const std::string& key,
                                                   const std::string& upload_id) {
  std::vector<PartInfo> parts;
  ListPartsRequest request{.bucket = bucket, .key = key, .upload_id = upload_id};
  while (true) {
    auto page = wait_for<ListPartsPage>(
        [&](Done<ListPartsPage> done) { list_parts_async(request, std::move(done)); });
    if (!page.ok()) return page.take_error();
    parts.insert(parts.end(), page->parts.begin(), page->parts.end());
    if (!page->truncated || page->next_marker.empty() ||
        page->next_marker == request.part_number_marker) {
      break;
    }
    request.part_number_marker = page->next_marker;
  }
  return parts;
}

Result<std::vector<MultipartUploadInfo>> S3Client::list_multipart_uploads(
    const std::string& bucket, const std::string& prefix) {
  std::vector<MultipartUploadInfo> uploads;
  ListMultipartUploadsRequest request{.bucket = bucket, .prefix = prefix};
  while (true) {
    auto page = wait_for<ListMultipartUploadsPage>([&](Done<ListMultipartUploadsPage> done) {
      list_multipart_uploads_async(request, std::move(done));
    });
    if (!page.ok()) return page.take_error();
    uploads.insert(uploads.end(), page->uploads.begin(), page->uploads.end());
    if (!page->truncated || page->next_key_marker.empty()) break;
    request.key_marker = page->next_key_marker;
    request.upload_id_marker = page->next_upload_id_marker;
  }
  return uploads;
}

}  // namespace imgsync::s3
