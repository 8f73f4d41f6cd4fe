// s3://bucket/key/prefix URIs as given on the command line and in imgsync.toml.
#pragma once

#include <string>

#include "util/result.h"

namespace imgsync::config {

struct S3Uri {
  std::string bucket;
  std::string key;  // may be empty (the bucket root) or end in '/' (a prefix)

  std::string to_string() const { return "s3://" + bucket + (key.empty() ? "" : "/" + key); }
  bool operator==(const S3Uri&) const = default;
};

// Parses "s3://bucket[/key]". The bucket name must follow S3's rules (3-63 characters, lowercase
// letters, digits, dots and hyphens, starting and ending with a letter or digit, not an IP
// address).
Result<S3Uri> parse_s3_uri(const std::string& text);

// Why `name` is not a valid bucket name, or empty when it is.
std::string bucket_name_problem(const std::string& name);

}  // namespace imgsync::config
