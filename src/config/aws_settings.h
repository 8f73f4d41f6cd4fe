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
#include "s3/s3_settings.h"
#include "util/result.h"

namespace imgsync::config {

// The settings are the s3 module's (s3/s3_settings.h); config resolves them.
using s3::AddressingStyle;
using s3::S3Settings;

// What the command line or imgsync.toml says; empty strings mean "not given".
struct S3Overrides {
  std::string profile;
  std::string region;
  std::string endpoint_url;
  std::string ca_bundle;
  std::optional<AddressingStyle> addressing_style;
  std::optional<bool> verify_tls;
};

Result<S3Settings> resolve_s3_settings(const Environment& env, const S3Overrides& overrides);

struct ParsedEndpoint {
  std::string scheme, host, base_path;
};
// Parses "http(s)://host[:port][/path]"; names the problem otherwise.
Result<ParsedEndpoint> parse_endpoint_url(const std::string& url);

}  // namespace imgsync::config
