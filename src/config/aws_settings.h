// Where imgsync finds credentials, region and endpoint: the AWS CLI's rules, so that a machine set
// up for `aws s3` works unchanged.
//
// Profile:     --profile > AWS_PROFILE > "default".
// Credentials: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN) unless --profile was
//              given; then the profile in the credentials file (AWS_SHARED_CREDENTIALS_FILE or
//              ~/.aws/credentials), then the profile in the config file (AWS_CONFIG_FILE or
//              ~/.aws/config), then the profile's credential_process (run directly, no shell).
// Region:      --region > AWS_REGION > AWS_DEFAULT_REGION > profile `region` > us-east-1.
// Endpoint:    --endpoint-url > AWS_ENDPOINT_URL_S3 > AWS_ENDPOINT_URL > profile `s3 =
// endpoint_url`
//              > profile `endpoint_url` > https://s3.REGION.amazonaws.com. The configured (not
//              flag) sources are skipped when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true or the
//              profile sets ignore_configured_endpoint_urls = true.
// Addressing:  --addressing-style > profile `s3 = addressing_style` > auto: path style for IP,
// localhost
//              and single-label hosts, for buckets that are not DNS-safe, and for dotted buckets
//              over HTTPS (their names break the wildcard certificate); virtual-hosted otherwise.
// Retries:     AWS_MAX_ATTEMPTS > profile `max_attempts` > imgsync's default (8 attempts).
// TLS:         verification on; --ca-bundle > AWS_CA_BUNDLE > profile `ca_bundle`; --no-verify-ssl.
#pragma once

#include <optional>
#include <string>

#include "config/environment.h"
#include "s3/credentials.h"
#include "util/result.h"

namespace imgsync::config {

enum class AddressingStyle { kAuto, kPath, kVirtual };

// What the command line or imgsync.toml says; empty strings mean "not given".
struct S3Overrides {
  std::string profile;
  std::string region;
  std::string endpoint_url;
  std::string ca_bundle;
  std::optional<AddressingStyle> addressing_style;
  std::optional<bool> verify_tls;
};

struct S3Settings {
  s3::Credentials credentials;
  std::string region = "us-east-1";
  std::string endpoint_scheme = "https";  // "http" or "https"
  std::string endpoint_host;              // host[:port]
  std::string endpoint_base_path;         // "" or "/prefix" without a trailing slash
  bool custom_endpoint = false;           // not AWS's own
  AddressingStyle addressing_style = AddressingStyle::kAuto;
  bool verify_tls = true;
  std::string ca_bundle;
  std::string profile = "default";
  int max_attempts = 0;  // AWS_MAX_ATTEMPTS or profile max_attempts; 0: the RetryPolicy default
  // The profile's credential_process that printed `credentials` ("" otherwise): run again when
  // they near their expiration (credential_refresh.h).
  std::string credential_process;

  bool use_path_style(const std::string& bucket) const;
  std::string endpoint_url() const {
    return endpoint_scheme + "://" + endpoint_host + endpoint_base_path;
  }
};

Result<S3Settings> resolve_s3_settings(const Environment& env, const S3Overrides& overrides);

struct ParsedEndpoint {
  std::string scheme, host, base_path;
};
// Parses "http(s)://host[:port][/path]"; names the problem otherwise.
Result<ParsedEndpoint> parse_endpoint_url(const std::string& url);

// Runs a credential_process command line (split like a shell would split words, without running a
// shell) and parses its JSON output (Version 1).
Result<s3::Credentials> run_credential_process(const std::string& command_line);

}  // namespace imgsync::config
