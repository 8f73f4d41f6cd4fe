#include "config/s3_uri.h"

#include <fmt/format.h>

#include <cctype>

namespace imgsync::config {

std::string bucket_name_problem(const std::string& name) {
  if (name.size() < 3 || name.size() > 63) return "bucket names are 3 to 63 characters long";
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-')) {
      return fmt::format("bucket names hold only lowercase letters, digits, '.' and '-', not '{}'",
                         c);
    }
  }
  if (!std::isalnum(static_cast<unsigned char>(name.front())) ||
      !std::isalnum(static_cast<unsigned char>(name.back()))) {
    return "bucket names start and end with a letter or digit";
  }
  if (name.find("..") != std::string::npos) return "bucket names cannot hold two dots in a row";
  int dots = 0;
  bool all_digits_and_dots = true;
  for (char c : name) {
    if (c == '.')
      ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c)))
      all_digits_and_dots = false;
  }
  if (dots == 3 && all_digits_and_dots) return "bucket names cannot look like an IP address";
  return {};
}

Result<S3Uri> parse_s3_uri(const std::string& text) {
  constexpr std::string_view kScheme = "s3://";
  if (text.rfind(kScheme, 0) != 0) {
    return make_error(
        ErrorCategory::kInvalidInput,
        fmt::format("\"{}\" is not an S3 location: write it as s3://BUCKET/PREFIX", text));
  }
  const std::string rest = text.substr(kScheme.size());
  const auto slash = rest.find('/');
  S3Uri uri;
  uri.bucket = rest.substr(0, slash);
  if (slash != std::string::npos) uri.key = rest.substr(slash + 1);
  if (uri.bucket.empty()) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("\"{}\" names no bucket: write it as s3://BUCKET/PREFIX", text));
  }
  if (std::string problem = bucket_name_problem(uri.bucket); !problem.empty()) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("\"{}\" is not a valid bucket name: {}", uri.bucket, problem));
  }
  return uri;
}

}  // namespace imgsync::config
