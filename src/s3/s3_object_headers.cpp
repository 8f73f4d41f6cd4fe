#include "s3/s3_object_headers.h"

#include <strings.h>

#include <algorithm>
#include <charconv>

#include "s3/s3_xml.h"
#include "util/uri_encoding.h"

namespace imgsync::s3 {

std::vector<HttpHeader> object_attribute_headers(const ObjectAttributes& attributes) {
  std::vector<HttpHeader> headers;
  headers.push_back({"Content-Type", attributes.content_type.empty() ? "application/octet-stream"
                                                                     : attributes.content_type});
  if (!attributes.cache_control.empty())
    headers.push_back({"Cache-Control", attributes.cache_control});
  for (const auto& [name, value] : attributes.metadata) {
    headers.push_back({"x-amz-meta-" + name, value});
  }
  if (!attributes.tags.empty())
    headers.push_back({"x-amz-tagging", tagging_header(attributes.tags)});
  if (!attributes.storage_class.empty()) {
    headers.push_back({"x-amz-storage-class", attributes.storage_class});
  }
  if (!attributes.server_side_encryption.empty()) {
    headers.push_back({"x-amz-server-side-encryption", attributes.server_side_encryption});
    if (!attributes.sse_kms_key_id.empty()) {
      headers.push_back({"x-amz-server-side-encryption-aws-kms-key-id", attributes.sse_kms_key_id});
    }
  }
  return headers;
}

std::optional<std::uint64_t> parse_content_length(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Result<ObjectInfo> object_info_from_headers(const std::string& key, const HttpResponse& response) {
  ObjectInfo info;
  info.key = key;
  const std::string length = response.header("Content-Length");
  if (!length.empty()) {
    auto size = parse_content_length(length);
    if (!size) {
      return make_error(ErrorCategory::kFatal,
                        "the server answered with a Content-Length that is not a byte count for " +
                            key + ": is something between imgsync and S3 rewriting answers?");
    }
    info.size = *size;
  }
  info.etag = xml::strip_quotes(response.header("ETag"));
  info.last_modified = response.header("Last-Modified");
  info.content_type = response.header("Content-Type");
  info.storage_class = response.header("x-amz-storage-class");
  info.version_id = response.header("x-amz-version-id");
  constexpr std::string_view kPrefix = "x-amz-meta-";
  for (const auto& header : response.headers) {
    if (header.name.size() > kPrefix.size() &&
        strncasecmp(header.name.c_str(), kPrefix.data(), kPrefix.size()) == 0) {
      std::string name = header.name.substr(kPrefix.size());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      info.metadata[name] = header.value;
    }
  }
  return info;
}

std::string copy_source_header(const std::string& bucket, const std::string& key) {
  return uri_encode("/" + bucket + "/" + key, false);
}

std::string tagging_header(const std::map<std::string, std::string>& tags) {
  std::string text;
  for (const auto& [name, value] : tags) {
    if (!text.empty()) text += '&';
    text += uri_encode(name, true) + "=" + uri_encode(value, true);
  }
  return text;
}

}  // namespace imgsync::s3
