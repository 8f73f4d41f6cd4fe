#include "support/curl_s3.h"

#include <pugixml.hpp>

#include "support/run_process.h"
#include "support/test_paths.h"

namespace imgsync::testing {

std::string percent_encode(const std::string& text, bool keep_slash) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string encoded;
  for (const unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
                            c == '~' || (keep_slash && c == '/');
    if (unreserved) {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 0xF];
    }
  }
  return encoded;
}

CurlS3::CurlS3(S3ServerInfo server, std::string bucket)
    : server_(std::move(server)), bucket_(std::move(bucket)) {}

std::optional<std::string> CurlS3::fetch(const std::string& path_and_query) {
  ScratchDir scratch("imgsync-curl");
  const auto body = scratch.path() / "body";
  // The test server's keys: local and made up, never a real secret.
  auto result = run_process(
      "/usr/bin/curl",
      {"-sS", "--fail-with-body", "--path-as-is", "--max-time", "120", "--aws-sigv4",
       "aws:amz:us-east-1:s3", "--user", server_.access_key + ":" + server_.secret_key, "-H",
       "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "-o", body.string(), server_.endpoint + path_and_query});
  const std::string text = std::filesystem::exists(body) ? read_file(body) : "";
  if (result.exit_code != 0) {
    error_ = "curl GET " + path_and_query + " failed (exit " + std::to_string(result.exit_code) +
             "): " + result.err + text.substr(0, 2000);
    return std::nullopt;
  }
  return text;
}

std::optional<std::vector<std::string>> CurlS3::list_keys(const std::string& prefix) {
  std::vector<std::string> keys;
  std::string token;
  for (;;) {
    std::string query = "/" + bucket_ + "?list-type=2&prefix=" + percent_encode(prefix, false);
    if (!token.empty()) query += "&continuation-token=" + percent_encode(token, false);
    auto xml = fetch(query);
    if (!xml) return std::nullopt;
    pugi::xml_document document;
    if (!document.load_buffer(xml->data(), xml->size())) {
      error_ = "not XML: " + xml->substr(0, 500);
      return std::nullopt;
    }
    const pugi::xml_node result = document.child("ListBucketResult");
    for (pugi::xml_node item : result.children("Contents")) {
      keys.push_back(item.child_value("Key"));
    }
    if (std::string(result.child_value("IsTruncated")) != "true") return keys;
    token = result.child_value("NextContinuationToken");
  }
}

std::optional<std::string> CurlS3::get(const std::string& key) {
  return fetch("/" + bucket_ + "/" + percent_encode(key, true));
}

std::optional<std::string> CurlS3::get_configuration(const std::string& name) {
  // "?versioning=": curl signs a query parameter without a value wrongly (7.88 leaves out the
  // '=' of the canonical query), and S3 reads both forms alike.
  return fetch("/" + bucket_ + "?" + percent_encode(name, false) + "=");
}

}  // namespace imgsync::testing
