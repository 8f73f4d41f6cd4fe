// The flags every command that talks to S3 shares: --profile, --region, --endpoint-url,
// --addressing-style, --ca-bundle, --no-verify-ssl. They override the AWS environment and files.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <string>

#include "config/aws_settings.h"
#include "util/result.h"

namespace imgsync::cli {

struct S3Flags {
  std::string profile, region, endpoint_url, ca_bundle, addressing_style;
  bool no_verify_ssl = false;
};

void add_s3_flags(CLI::App& command, S3Flags& flags);
// Resolves the flags against the process environment and ~/.aws.
// The flags over imgsync.toml's [s3] over the AWS environment and profiles.
Result<s3::S3Settings> resolve_s3_flags(const S3Flags& flags,
                                        const config::S3Overrides& from_config = {});

// The lifetime presigned links really get: `wanted`, shortened to what temporary credentials
// have left, with a warning on stderr naming `command` when they are temporary.
std::chrono::seconds link_lifetime(std::chrono::seconds wanted, const s3::Credentials& credentials,
                                   const char* command);

}  // namespace imgsync::cli
