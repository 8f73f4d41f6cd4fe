// Where and how the S3 client talks to its endpoint: the s3 module owns this struct, config/
// (aws_settings.h) fills it by the AWS CLI's rules.
#pragma once

#include <string>

#include "s3/credentials.h"

namespace imgsync::s3 {

enum class AddressingStyle { kAuto, kPath, kVirtual };

struct S3Settings {
  Credentials credentials;
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

}  // namespace imgsync::s3
