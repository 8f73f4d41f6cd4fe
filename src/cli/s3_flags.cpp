#include "cli/s3_flags.h"

#include <fmt/format.h>

#include "config/environment.h"

namespace imgsync::cli {

void add_s3_flags(CLI::App& command, S3Flags& flags) {
  const char* group = "S3 connection (default: the AWS environment and ~/.aws)";
  command.add_option("--profile", flags.profile, "AWS profile from ~/.aws/config")->group(group);
  command.add_option("--region", flags.region, "region, e.g. eu-west-1")->group(group);
  command
      .add_option("--endpoint-url", flags.endpoint_url,
                  "S3-compatible endpoint, e.g. http://127.0.0.1:9000")
      ->group(group);
  command.add_option("--addressing-style", flags.addressing_style, "auto, path or virtual")
      ->check(CLI::IsMember({"auto", "path", "virtual"}))
      ->group(group);
  command.add_option("--ca-bundle", flags.ca_bundle, "CA certificates file for HTTPS")
      ->group(group);
  command
      .add_flag("--no-verify-ssl", flags.no_verify_ssl,
                "do not verify TLS certificates (insecure; for test endpoints only)")
      ->group(group);
}

Result<s3::S3Settings> resolve_s3_flags(const S3Flags& flags,
                                        const config::S3Overrides& from_config) {
  config::S3Overrides overrides = from_config;
  if (!flags.profile.empty()) overrides.profile = flags.profile;
  if (!flags.region.empty()) overrides.region = flags.region;
  if (!flags.endpoint_url.empty()) overrides.endpoint_url = flags.endpoint_url;
  if (!flags.ca_bundle.empty()) overrides.ca_bundle = flags.ca_bundle;
  if (flags.addressing_style == "path") overrides.addressing_style = s3::AddressingStyle::kPath;
  if (flags.addressing_style == "virtual") {
    overrides.addressing_style = s3::AddressingStyle::kVirtual;
  }
  if (flags.addressing_style == "auto") overrides.addressing_style = s3::AddressingStyle::kAuto;
  if (flags.no_verify_ssl) overrides.verify_tls = false;
  return config::resolve_s3_settings(config::Environment::from_process(), overrides);
}

std::chrono::seconds link_lifetime(std::chrono::seconds wanted, const s3::Credentials& credentials,
                                   const char* command) {
  if (credentials.session_token.empty()) return wanted;
  std::string until = "when the session ends";
  if (credentials.expiration) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(
        *credentials.expiration - std::chrono::system_clock::now());
    if (left < wanted) wanted = std::max(std::chrono::seconds(1), left);
    until = fmt::format("in {} s", left.count());
  }
  fmt::print(stderr,
             "imgsync {}: warning: these are temporary credentials; the links stop working {} "
             "even if --expires is longer\n",
             command, until);
  return wanted;
}

}  // namespace imgsync::cli
