// The S3 API over libcurl: signed requests, connection reuse, bounded concurrency, retries.
// Every operation has a synchronous form; send_async() is the building block for pipelines
// that keep many transfers in flight on one HttpEngine (transfer/).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "s3/http_engine.h"
#include "s3/retry_policy.h"
#include "s3/s3_requests.h"
#include "s3/s3_settings.h"
#include "s3/s3_types.h"
#include "util/result.h"

namespace imgsync::s3 {

struct S3ClientOptions {
  HttpEngineOptions http;
  RetryOptions retry;
  // Sign the payload's SHA-256 (always true over plain HTTP); UNSIGNED-PAYLOAD saves the hash on
  // HTTPS where TLS protects integrity and Content-MD5 still guards each body.
  bool sign_payload = true;
};

class S3Client {
 public:
  explicit S3Client(s3::S3Settings settings, S3ClientOptions options = {});
  // On a given engine (tests: a fake one); options.http is then not used.
  S3Client(s3::S3Settings settings, S3ClientOptions options, std::unique_ptr<HttpEngine> engine);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  const s3::S3Settings& settings() const { return settings_; }
  HttpEngine& engine() { return *engine_; }

  // What was learnt of this server's conditional writes while talking to it, kept for the
  // client's life (a watch daemon's, across its runs); read and set on the engine's thread.
  struct ConditionalWrites {
    bool if_match_bare = false;     // compares If-Match with the bare ETag (Ceph RGW 16)
    bool if_match_refused = false;  // answers If-Match on PutObject with 501 NotImplemented
  };
  ConditionalWrites& conditional_writes() { return conditional_writes_; }

  template <typename T>
  using Done = std::function<void(Result<T>)>;

  // Sign, send, retry per the RetryPolicy; a non-2xx response becomes an Error. The request is
  // one that s3/s3_requests.h builds: callers outside s3/ use the typed operations below.
  void send_async(S3Request request, Done<HttpResponse> done);
  Result<HttpResponse> send(S3Request request);

  // The typed operations pipelines keep in flight on the engine (transfer/, app/); `done` runs
  // on the engine's thread. The synchronous forms below are the same operations, waited for.
  void put_object_async(PutObjectRequest request, Done<PutObjectResult> done);
  void get_object_async(const GetObjectRequest& request, Done<GetObjectResult> done);
  void head_object_async(const ObjectRef& object, Done<ObjectInfo> done);
  void list_objects_v2_async(const ListObjectsRequest& request, Done<ListObjectsPage> done);
  // The UploadId.
  void create_multipart_upload_async(const CreateMultipartUploadRequest& request,
                                     Done<std::string> done);
  // The part's ETag; a part number outside 1..10000 is kInvalidInput, nothing sent.
  void upload_part_async(UploadPartRequest request, Done<std::string> done);
  // Ceph RGW's quirks are handled here: a 200 whose body is an <Error> (a failure after a long
  // assembly) is that error, and an empty <ETag> (RGW 16) is read off the object with a HEAD.
  void complete_multipart_upload_async(const CompleteMultipartUploadRequest& request,
                                       Done<PutObjectResult> done);
  // One page. A vanished upload is kNotFound "NoSuchUpload" (Ceph RGW says NoSuchKey).
  void list_parts_async(const ListPartsRequest& request, Done<ListPartsPage> done);
  // One page of the bucket's unfinished multipart uploads under request.prefix.
  void list_multipart_uploads_async(const ListMultipartUploadsRequest& request,
                                    Done<ListMultipartUploadsPage> done);
  // The upload's id, once aborted.
  void abort_multipart_upload_async(const MultipartUploadRef& upload, Done<std::string> done);

  // Objects.
  Result<PutObjectResult> put_object(PutObjectRequest request);
  Result<GetObjectResult> get_object(const GetObjectRequest& request);
  Result<ObjectInfo> head_object(const std::string& bucket, const std::string& key);
  Status delete_object(const std::string& bucket, const std::string& key);
  Result<DeleteObjectsResult> delete_objects(const std::string& bucket,
                                             const std::vector<std::string>& keys);
  Result<ListObjectsPage> list_objects_v2(const ListObjectsRequest& request);
  // Every object under a prefix, following continuation tokens.
  Result<std::vector<ObjectSummary>> list_all_objects(const std::string& bucket,
                                                      const std::string& prefix);
  Result<PutObjectResult> copy_object(const std::string& source_bucket,
                                      const std::string& source_key, const std::string& bucket,
                                      const std::string& key,
                                      const std::optional<ObjectAttributes>& replace = {});
  Result<std::map<std::string, std::string>> get_object_tagging(const std::string& bucket,
                                                                const std::string& key);
  Result<std::string> presign_get(const std::string& bucket, const std::string& key,
                                  std::chrono::seconds expires);

  // Multipart uploads.
  Result<std::string> create_multipart_upload(const std::string& bucket, const std::string& key,
                                              const ObjectAttributes& attributes);
  Result<std::string> upload_part(const std::string& bucket, const std::string& key,
                                  const std::string& upload_id, int part_number, Body body);
  Result<PutObjectResult> complete_multipart_upload(const std::string& bucket,
                                                    const std::string& key,
                                                    const std::string& upload_id,
                                                    const std::vector<CompletedPart>& parts);
  Status abort_multipart_upload(const std::string& bucket, const std::string& key,
                                const std::string& upload_id);
  Result<std::vector<PartInfo>> list_parts(const std::string& bucket, const std::string& key,
                                           const std::string& upload_id);
  Result<std::vector<MultipartUploadInfo>> list_multipart_uploads(const std::string& bucket,
                                                                  const std::string& prefix = "");

  // Buckets and their configuration.
  Status create_bucket(const std::string& bucket);
  Status head_bucket(const std::string& bucket);
  Status delete_bucket(const std::string& bucket);
  Status put_bucket_policy(const std::string& bucket, const std::string& policy_json);
  Result<std::string> get_bucket_policy(const std::string& bucket);
  Status delete_bucket_policy(const std::string& bucket);
  Status put_public_access_block(const std::string& bucket, const PublicAccessBlock& block);
  Result<PublicAccessBlock> get_public_access_block(const std::string& bucket);
  Status delete_public_access_block(const std::string& bucket);
  Status put_bucket_lifecycle(const std::string& bucket, const std::vector<LifecycleRule>& rules);
  Result<std::vector<LifecycleRule>> get_bucket_lifecycle(const std::string& bucket);
  Status put_bucket_cors(const std::string& bucket, const std::vector<CorsRule>& rules);
  Result<std::vector<CorsRule>> get_bucket_cors(const std::string& bucket);
  Status put_bucket_versioning(const std::string& bucket, bool enabled);
  Result<std::string> get_bucket_versioning(
      const std::string& bucket);  // "Enabled", "Suspended", ""

  // The server's clock minus ours, learnt from a RequestTimeTooSkewed answer.
  std::chrono::seconds clock_offset() const { return clock_offset_; }
  // Start from a known offset (e.g. remembered from an earlier run); corrected again on skew.
  void set_clock_offset(std::chrono::seconds offset) { clock_offset_ = offset; }

  // Told about every failed attempt that is tried again, after back-off or with a corrected clock
  // (the commands log it as a "retry" event; watch also counts it for its metrics), on the
  // thread that runs the engine.
  struct RetryNotice {
    std::string operation;  // "PutObject"
    std::string target;     // "s3://bucket/key"
    int attempt = 0;        // the attempt that failed, from 1
    const Error* error = nullptr;
    std::chrono::milliseconds delay{0};
  };
  std::function<void(const RetryNotice&)> on_retry;

 private:
  struct Attempt;
  void dispatch(std::shared_ptr<Attempt> attempt);
  // Runs the engine until `start`'s operation is done.
  template <typename T, typename Start>
  Result<T> wait_for(Start&& start) {
    std::optional<Result<T>> outcome;
    start([&outcome](Result<T> result) { outcome = std::move(result); });
    engine_->run_until([&outcome] { return outcome.has_value(); });
    return std::move(*outcome);
  }
  Result<HttpRequest> build_http_request(const S3Request& request);
  std::string target_of(const S3Request& request) const;

  s3::S3Settings settings_;
  S3ClientOptions options_;
  std::unique_ptr<HttpEngine> engine_;
  RetryPolicy retry_policy_;
  std::chrono::seconds clock_offset_{0};
  ConditionalWrites conditional_writes_;
};

}  // namespace imgsync::s3
