#include "app/doctor_service.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <netdb.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "media/object_keys.h"
#include "s3/s3_client.h"
#include "util/error_predicates.h"
#include "util/hashing.h"
#include "util/json_fields.h"
#include "util/time_format.h"

namespace imgsync::app {
namespace {

using std::chrono::system_clock;

DoctorCheck remote(std::string name, CheckStatus status, std::string detail, std::string fix = {}) {
  return {.name = std::move(name),
          .status = status,
          .detail = std::move(detail),
          .fix = std::move(fix),
          .area = CheckArea::kDestination};
}

std::string host_without_port(const std::string& host_port) {
  if (!host_port.empty() && host_port.front() == '[') {
    return host_port.substr(1, host_port.find(']') - 1);
  }
  return host_port.substr(
      0, host_port.rfind(':') == std::string::npos ? host_port.size() : host_port.rfind(':'));
}

DoctorCheck check_credentials(const DoctorOptions& options) {
  if (!options.s3) {
    return remote("credentials", CheckStatus::kFail,
                  options.s3_error ? options.s3_error->message : "no credentials found",
                  "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with "
                  "~/.aws/credentials (or pass --profile)");
  }
  const auto& credentials = options.s3->credentials;
  std::string detail = fmt::format("access key {} from {}", credentials.access_key_id,
                                   credentials.source.empty() ? "?" : credentials.source);
  if (!credentials.session_token.empty()) detail += " (temporary, with a session token)";
  if (credentials.expiration) {
    const auto left = std::chrono::duration_cast<std::chrono::minutes>(*credentials.expiration -
                                                                       system_clock::now());
    if (left.count() < 15) {
      return remote("credentials", CheckStatus::kWarn,
                    fmt::format("{}; they expire in {} min", detail, left.count()),
                    "refresh the session (aws sso login, or the credential_process)");
    }
  }
  return remote("credentials", CheckStatus::kOk, detail);
}

DoctorCheck check_dns(const s3::S3Settings& s3) {
  const std::string host = host_without_port(s3.endpoint_host);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int status = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (status != 0) {
    return remote(
        "endpoint", CheckStatus::kFail,
        fmt::format("{}: cannot resolve {}: {}", s3.endpoint_url(), host, ::gai_strerror(status)),
        "check the host name in --endpoint-url / AWS_ENDPOINT_URL (or the profile's "
        "endpoint_url) and the machine's DNS");
  }
  ::freeaddrinfo(found);
  return remote("endpoint", CheckStatus::kOk, s3.endpoint_url() + " resolves");
}

// The endpoint and the bucket in one request: a one-key listing of the prefix needs the bucket,
// valid credentials and read permission, and carries an XML error code and the server's clock.
struct BucketAnswer {
  std::vector<DoctorCheck> checks;
  bool usable = false;
};

std::string init_command(const config::S3Uri& destination) {
  return fmt::format("imgsync init --to s3://{}/{}", destination.bucket, destination.key);
}

DoctorCheck explain_bucket_error(const Error& error, const DoctorOptions& options) {
  const auto& s3 = *options.s3;
  const auto& destination = *options.destination;
  const std::string& id = s3.credentials.access_key_id;
  if (is_tls_verification_error(error)) {
    return remote("endpoint", CheckStatus::kFail,
                  fmt::format("{}: {}", s3.endpoint_url(), error.message),
                  "for a private CA pass --ca-bundle FILE or set AWS_CA_BUNDLE");
  }
  if (error.http_status == 0 && error.category != ErrorCategory::kFatal) {
    return remote("endpoint", CheckStatus::kFail,
                  fmt::format("cannot reach {}: {}", s3.endpoint_url(), error.message),
                  "is the server running and the port right? check --endpoint-url / "
                  "AWS_ENDPOINT_URL, proxies and firewalls");
  }
  if (error.http_status == 0) {
    return remote("endpoint", CheckStatus::kFail,
                  fmt::format("{}: {}", s3.endpoint_url(), error.message),
                  "check --endpoint-url / AWS_ENDPOINT_URL and the TLS settings (--ca-bundle / "
                  "AWS_CA_BUNDLE)");
  }
  if (error.s3_code == "SignatureDoesNotMatch") {
    return remote(
        "credentials", CheckStatus::kFail,
        fmt::format("the server rejects the secret key of {} (from {})", id, s3.credentials.source),
        "correct AWS_SECRET_ACCESS_KEY, or aws_secret_access_key in the profile");
  }
  if (error.s3_code == "InvalidAccessKeyId") {
    return remote(
        "credentials", CheckStatus::kFail,
        fmt::format("the server does not know access key {} (from {})", id, s3.credentials.source),
        "use a key of this endpoint's account; check AWS_PROFILE and --endpoint-url");
  }
  if (error.s3_code == "PermanentRedirect" || error.s3_code == "AuthorizationHeaderMalformed" ||
      error.s3_code == "IllegalLocationConstraintException") {
    return remote("bucket", CheckStatus::kFail,
                  fmt::format("s3://{} is not in region {}: {}", destination.bucket, s3.region,
                              error.describe()),
                  "pass --region with the bucket's region (or set AWS_REGION, or region in "
                  "imgsync.toml's [s3])");
  }
  if (error.s3_code == "RequestTimeTooSkewed") {
    return remote("endpoint", CheckStatus::kFail, "this machine's clock is far off the server's",
                  "set the clock: sudo timedatectl set-ntp true");
  }
  if (error.s3_code == "NoSuchBucket" || is_not_found(error)) {
    return remote(
        "bucket", CheckStatus::kFail,
        fmt::format("s3://{} does not exist at {}", destination.bucket, s3.endpoint_url()),
        fmt::format("create and configure it: {} (or correct the bucket name)",
                    init_command(destination)));
  }
  if (is_credentials_error(error)) {
    return remote(
        "bucket", CheckStatus::kFail,
        fmt::format("{} may not list s3://{}: {}", id, destination.bucket, error.describe()),
        "grant s3:ListBucket on the bucket and s3:GetObject, s3:PutObject, "
        "s3:DeleteObject on its prefix (or use other credentials)");
  }
  return remote("bucket", CheckStatus::kFail, error.describe(),
                "try again; if it persists, the server's operators can look up the request id");
}

DoctorCheck check_clock(const std::string& server_date) {
  auto server_time = parse_http_date(server_date);
  if (!server_time.ok()) {
    return remote("clock", CheckStatus::kWarn, "the server sent no readable Date header",
                  "nothing to do unless requests fail with RequestTimeTooSkewed");
  }
  const auto skew =
      std::chrono::duration_cast<std::chrono::seconds>(system_clock::now() - *server_time);
  const long long seconds = skew.count();
  if (std::llabs(seconds) > 60) {
    return remote("clock", CheckStatus::kWarn,
                  fmt::format("this machine's clock is {} s {} the server's", std::llabs(seconds),
                              seconds > 0 ? "ahead of" : "behind"),
                  "imgsync corrects up to the server's limit, but set the clock: sudo timedatectl "
                  "set-ntp true");
  }
  return remote("clock", CheckStatus::kOk,
                fmt::format("within {} s of the server's", std::llabs(seconds)));
}

BucketAnswer check_bucket(s3::S3Client& client, const DoctorOptions& options) {
  const auto& destination = *options.destination;
  auto prefix = media::normalize_prefix(destination.key);
  auto response = client.list_objects_v2({.bucket = destination.bucket,
                                          .prefix = prefix.ok() ? *prefix : destination.key,
                                          .max_keys = 1});
  BucketAnswer answer;
  if (!response.ok()) {
    answer.checks.push_back(explain_bucket_error(response.error(), options));
    return answer;
  }
  answer.usable = true;
  const std::string scheme = options.s3->endpoint_scheme;
  answer.checks.push_back(remote(
      "endpoint", CheckStatus::kOk,
      fmt::format("{} answers{}", options.s3->endpoint_url(),
                  scheme == "https"
                      ? (options.s3->verify_tls ? " over verified TLS" : " over TLS NOT verified")
                      : " (plain HTTP)")));
  if (scheme == "https" && !options.s3->verify_tls)
    answer.checks.back().status = CheckStatus::kWarn;
  if (answer.checks.back().status == CheckStatus::kWarn) {
    answer.checks.back().fix = "drop --no-verify-ssl; pass --ca-bundle FILE for a private CA";
  }
  answer.checks.push_back(check_clock(response->server_date));
  // AWS names the bucket's region in every answer about it; other stores may not.
  const std::string& region = response->bucket_region;
  if (!region.empty() && region != options.s3->region) {
    answer.checks.push_back(
        remote("bucket", CheckStatus::kWarn,
               fmt::format("s3://{} is in {}, the settings say {}", destination.bucket, region,
                           options.s3->region),
               fmt::format("pass --region {0} (or AWS_REGION={0}): requests then go there directly",
                           region)));
    return answer;
  }
  answer.checks.push_back(
      remote("bucket", CheckStatus::kOk,
             fmt::format("s3://{} exists and answers {} (region {})", destination.bucket,
                         options.s3->credentials.access_key_id,
                         region.empty() ? options.s3->region : region)));
  return answer;
}

std::vector<DoctorCheck> check_bucket_settings(s3::S3Client& client,
                                               const config::S3Uri& destination) {
  std::vector<DoctorCheck> checks;
  const std::string& bucket = destination.bucket;
  auto versioning = client.get_bucket_versioning(bucket);
  checks.push_back(
      versioning.ok()
          ? remote("versioning", CheckStatus::kOk,
                   versioning->empty() ? "off (overwritten objects are not kept)" : *versioning)
          : remote("versioning", CheckStatus::kWarn, versioning.error().describe(),
                   "the credentials need s3:GetBucketVersioning to report it"));
  auto lifecycle = client.get_bucket_lifecycle(bucket);
  bool has_abort_rule = false;
  if (lifecycle.ok()) {
    for (const auto& rule : *lifecycle) {
      has_abort_rule |= rule.abort_incomplete_multipart_days.value_or(0) > 0;
    }
  }
  checks.push_back(
      has_abort_rule
          ? remote("lifecycle", CheckStatus::kOk, "incomplete multipart uploads are aborted")
          : remote("lifecycle", CheckStatus::kWarn,
                   "no rule aborts incomplete multipart uploads (they cost storage)",
                   "add it: " + init_command(destination)));
  auto policy = client.get_bucket_policy(bucket);
  std::vector<std::string> public_resources;
  if (policy.ok()) {
    const auto parsed = nlohmann::json::parse(*policy, nullptr, false);
    if (parsed.is_object() && parsed.contains("Statement") && parsed["Statement"].is_array()) {
      for (const auto& statement : parsed["Statement"]) {
        if (json_string(statement, "Effect") == "Allow" && statement.contains("Principal") &&
            statement["Principal"] == "*" && statement.contains("Resource")) {
          public_resources.push_back(statement["Resource"].dump());
        }
      }
    }
  }
  checks.push_back(public_resources.empty()
                       ? remote("public access", CheckStatus::kOk,
                                "private: no bucket policy grants anonymous reads")
                       : remote("public access", CheckStatus::kOk,
                                fmt::format("anonymous reads allowed on {}",
                                            fmt::join(public_resources, ", "))));
  return checks;
}

DoctorCheck check_probe(s3::S3Client& client, const config::S3Uri& destination) {
  auto prefix = media::normalize_prefix(destination.key);
  const std::string root = prefix.ok() && !prefix->empty() ? *prefix + "/" : "";
  const std::string key = fmt::format(
      "{}.imgsync-doctor/{}-{}", root, ::getpid(),
      std::chrono::duration_cast<std::chrono::milliseconds>(system_clock::now().time_since_epoch())
          .count());
  const std::string body = "imgsync doctor probe " + key + "\n";
  const std::string where = fmt::format("s3://{}/{}", destination.bucket, key);
  const std::string fix = fmt::format(
      "the credentials need s3:PutObject, s3:GetObject and s3:DeleteObject on s3://{}/{}*",
      destination.bucket, root);
  s3::PutObjectRequest put;
  put.bucket = destination.bucket;
  put.key = key;
  put.body = s3::Body::from_string(body);
  if (auto written = client.put_object(std::move(put)); !written.ok()) {
    return remote("probe", CheckStatus::kFail,
                  fmt::format("cannot write {}: {}", where, written.error().describe()), fix);
  }
  s3::GetObjectRequest get;
  get.bucket = destination.bucket;
  get.key = key;
  auto read = client.get_object(get);
  Status deleted = client.delete_object(destination.bucket, key);
  if (!read.ok()) {
    return remote("probe", CheckStatus::kFail,
                  fmt::format("wrote but cannot read {}: {}", where, read.error().describe()), fix);
  }
  if (read->body != body) {
    return remote("probe", CheckStatus::kFail,
                  fmt::format("{} came back different from what was written", where),
                  "something between imgsync and the store changes objects: check proxies");
  }
  if (!deleted.ok()) {
    return remote(
        "probe", CheckStatus::kWarn,
        fmt::format("wrote and read {}, cannot delete it: {}", where, deleted.error().describe()),
        fix);
  }
  return remote("probe", CheckStatus::kOk,
                fmt::format("wrote, read back and deleted a probe under s3://{}/{}",
                            destination.bucket, root));
}

}  // namespace

std::string_view to_string(CheckStatus status) {
  switch (status) {
    case CheckStatus::kOk:
      return "ok";
    case CheckStatus::kWarn:
      return "warn";
    case CheckStatus::kFail:
      return "fail";
  }
  return "?";
}

std::vector<DoctorCheck> run_doctor(const DoctorOptions& options,
                                    const std::function<void(const DoctorCheck&)>& on_check) {
  std::vector<DoctorCheck> checks;
  auto add = [&](DoctorCheck check) {
    on_check(check);
    checks.push_back(std::move(check));
  };
  add(check_credentials(options));
  if (options.s3) {
    const DoctorCheck dns = check_dns(*options.s3);
    if (dns.status != CheckStatus::kOk) add(dns);
    if (dns.status == CheckStatus::kOk && !options.destination) {
      add(remote("bucket", CheckStatus::kWarn, "no destination given: the bucket is not checked",
                 "pass --to s3://BUCKET[/PREFIX], or run where imgsync.toml sets destination"));
    }
    if (dns.status == CheckStatus::kOk && options.destination) {
      s3::S3Settings settings = *options.s3;
      settings.max_attempts = 2;  // a diagnosis, not a transfer: say what is wrong quickly
      s3::S3Client client(settings);
      BucketAnswer answer = check_bucket(client, options);
      for (auto& check : answer.checks) add(std::move(check));
      if (answer.usable) {
        for (auto& check : check_bucket_settings(client, *options.destination)) {
          add(std::move(check));
        }
        add(check_probe(client, *options.destination));
      }
    }
  }
  if (!options.catalog.url.empty()) {
    for (auto& check : check_catalog(options.catalog)) add(std::move(check));
  }
  if (options.state_dir) add(check_state_dir(*options.state_dir, options.low_free_space_bytes));
  add(check_inotify(options.watched_folders, options.inotify_watches_file));
  return checks;
}

}  // namespace imgsync::app
