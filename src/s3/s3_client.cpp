// The request core of S3Client: addressing, signing, sending, retrying. The operations live in
// s3_objects.cpp, s3_multipart.cpp and s3_buckets.cpp.
#include "s3/s3_client.h"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "s3/credential_refresh.h"
#include "s3/s3_error.h"
#include "s3/sigv4_signer.h"
#include "util/time_format.h"
#include "util/uri_encoding.h"

namespace imgsync::s3 {

struct S3Client::Attempt {
  S3Request request;
  std::function<void(Result<HttpResponse>)> done;
  int number = 0;
  bool clock_corrected = false;
  bool credentials_renewed = false;
};

S3Client::S3Client(s3::S3Settings settings, S3ClientOptions options)
    : S3Client(std::move(settings), std::move(options), nullptr) {}

S3Client::S3Client(s3::S3Settings settings, S3ClientOptions options,
                   std::unique_ptr<HttpEngine> engine)
    : settings_(std::move(settings)),
      options_(std::move(options)),
      engine_(std::move(engine)),
      retry_policy_(options_.retry) {
  options_.http.verify_tls = options_.http.verify_tls && settings_.verify_tls;
  if (options_.http.ca_bundle.empty()) options_.http.ca_bundle = settings_.ca_bundle;
  if (settings_.max_attempts > 0) {
    options_.retry.max_attempts = settings_.max_attempts;
    retry_policy_ = RetryPolicy(options_.retry);
  }
  if (!engine_) engine_ = std::make_unique<HttpEngine>(options_.http);
}

S3Client::~S3Client() = default;

std::string S3Client::target_of(const S3Request& request) const {
  if (request.bucket.empty()) return settings_.endpoint_host;
  return request.key.empty() ? fmt::format("s3://{}", request.bucket)
                             : fmt::format("s3://{}/{}", request.bucket, request.key);
}

Result<HttpRequest> S3Client::build_http_request(const S3Request& request) {
  const bool path_style = request.bucket.empty() || settings_.use_path_style(request.bucket);
  const std::string host =
      path_style ? settings_.endpoint_host : request.bucket + "." + settings_.endpoint_host;
  std::string path = settings_.endpoint_base_path;
  if (path_style && !request.bucket.empty()) path += "/" + request.bucket;
  if (!request.key.empty() || !path_style || request.bucket.empty()) path += "/" + request.key;

  HttpRequest http;
  http.method = request.method;
  http.head = request.method == "HEAD";
  http.headers = request.headers;
  http.download_to = request.download_to;

  std::string payload_hash = sha256_hex("");
  const bool has_body = request.method == "PUT" || request.method == "POST";
  if (has_body) {
    FileDigests digests;
    if (request.body.digests) {
      digests = *request.body.digests;
    } else if (request.body.file) {
      auto computed = digest_file(request.body.file->path.string(), request.body.file->offset,
                                  static_cast<std::int64_t>(request.body.file->length));
      if (!computed.ok()) return computed.take_error();
      digests = *computed;
    } else {
      digests.md5 = md5(request.body.bytes);
      digests.sha256 = sha256(request.body.bytes);
      digests.bytes = request.body.bytes.size();
    }
    http.headers.push_back({"Content-MD5", base64_encode(digests.md5)});
    const bool sign_payload = options_.sign_payload || settings_.endpoint_scheme != "https";
    payload_hash = sign_payload ? to_hex(digests.sha256) : "UNSIGNED-PAYLOAD";
    if (request.body.file) {
      http.body_file = request.body.file;
    } else {
      http.body = request.body.bytes;
    }
  }

  // Temporary credentials from a credential_process renew themselves before they expire.
  const auto signing_time = std::chrono::system_clock::now() + clock_offset_;
  if (Status fresh = refresh_expiring_credentials(settings_, signing_time); !fresh.ok()) {
    return fresh.error();
  }
  SigV4Signer::Options signer_options;
  signer_options.region = settings_.region;
  signer_options.service = "s3";
  SigV4Signer signer(settings_.credentials, signer_options);
  SigningInput input;
  input.method = request.method;
  input.host = host;
  input.path = path;
  input.query = request.query;
  input.headers = http.headers;
  input.payload_sha256_hex = payload_hash;
  SignedRequest signed_request = signer.sign(input, signing_time);
  for (auto& header : signed_request.headers_to_add) http.headers.push_back(std::move(header));

  http.url = fmt::format("{}://{}{}", settings_.endpoint_scheme, host, uri_encode(path, false));
  char separator = '?';
  for (const auto& [name, value] : request.query) {
    http.url += separator;
    http.url += uri_encode(name, true);
    if (!value.empty()) http.url += "=" + uri_encode(value, true);
    separator = '&';
  }
  return http;
}

void S3Client::send_async(S3Request request, Done<HttpResponse> done) {
  auto attempt = std::make_shared<Attempt>();
  attempt->request = std::move(request);
  attempt->done = std::move(done);
  dispatch(std::move(attempt));
}

void S3Client::dispatch(std::shared_ptr<Attempt> attempt) {
  ++attempt->number;
  Result<HttpRequest> http = build_http_request(attempt->request);
  if (!http.ok()) {
    attempt->done(http.take_error());
    return;
  }
  engine_->submit(std::move(*http), [this, attempt](Result<HttpResponse> outcome) {
    const S3Request& request = attempt->request;
    if (outcome.ok() && outcome->success()) {
      spdlog::debug("{} {}: HTTP {}", request.operation, target_of(request), outcome->status);
      attempt->done(std::move(outcome));
      return;
    }
    Error error;
    std::string server_date;
    if (outcome.ok()) {
      ErrorContext context{request.operation, target_of(request),
                           settings_.credentials.access_key_id, settings_.region};
      error = error_from_response(*outcome, context);
      server_date = outcome->header("Date");
    } else {
      error = outcome.take_error();
    }
    if (error.s3_code == "RequestTimeTooSkewed" && !attempt->clock_corrected) {
      // The server tells its time in the Date header: sign with its clock from now on.
      if (auto server_time = parse_http_date(server_date); server_time.ok()) {
        clock_offset_ = std::chrono::duration_cast<std::chrono::seconds>(
            *server_time - std::chrono::system_clock::now());
        attempt->clock_corrected = true;
        spdlog::warn("clock differs from the server's by {} s; correcting and retrying",
                     clock_offset_.count());
        if (on_retry)
          on_retry({request.operation, target_of(request), attempt->number, &error, {}});
        dispatch(attempt);
        return;
      }
    }
    if (error.s3_code == "ExpiredToken" && !attempt->credentials_renewed &&
        !settings_.credential_process.empty()) {
      // Expired sooner than they said (or the clocks differ): renew them now and try again.
      attempt->credentials_renewed = true;
      if (Status fresh =
              refresh_expiring_credentials(settings_, std::chrono::system_clock::now(), true);
          fresh.ok()) {
        if (on_retry)
          on_retry({request.operation, target_of(request), attempt->number, &error, {}});
        dispatch(attempt);
        return;
      }
    }
    if (!retry_policy_.should_retry(error, attempt->number)) {
      spdlog::debug("{} {}: giving up after {} attempt(s): {}", request.operation,
                    target_of(request), attempt->number, error.describe());
      attempt->done(std::move(error));
      return;
    }
    const auto delay = retry_policy_.delay(error, attempt->number);
    spdlog::debug("{} {}: attempt {} failed ({}), retrying in {} ms", request.operation,
                  target_of(request), attempt->number, error.describe(), delay.count());
    if (on_retry) on_retry({request.operation, target_of(request), attempt->number, &error, delay});
    engine_->schedule(delay, [this, attempt] { dispatch(attempt); });
  });
}

Result<HttpResponse> S3Client::send(S3Request request) {
  return wait_for<HttpResponse>(
      [&](Done<HttpResponse> done) { send_async(std::move(request), std::move(done)); });
}

Result<std::string> S3Client::presign_get(const std::string& bucket, const std::string& key,
                                          std::chrono::seconds expires) {
  const bool path_style = settings_.use_path_style(bucket);
  SigningInput input;
  input.method = "GET";
  input.host = path_style ? settings_.endpoint_host : bucket + "." + settings_.endpoint_host;
  input.path = settings_.endpoint_base_path + (path_style ? "/" + bucket : "") + "/" + key;
  input.payload_sha256_hex = "UNSIGNED-PAYLOAD";
  // Temporary credentials from a credential_process renew themselves before they expire.
  const auto signing_time = std::chrono::system_clock::now() + clock_offset_;
  if (Status fresh = refresh_expiring_credentials(settings_, signing_time); !fresh.ok()) {
    return fresh.error();
  }
  SigV4Signer::Options signer_options;
  signer_options.region = settings_.region;
  SigV4Signer signer(settings_.credentials, signer_options);
  return signer.presign(input, expires, std::chrono::system_clock::now() + clock_offset_,
                        settings_.endpoint_scheme);
}

}  // namespace imgsync::s3
