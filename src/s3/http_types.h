// Plain HTTP request/response values exchanged between the S3 client and the HTTP engine.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgsync::s3 {

struct HttpHeader {
  std::string name;
  std::string value;
};

// A byte range of a local file used as a request body, streamed without loading it in memory.
struct FileRange {
  std::filesystem::path path;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

// Case-insensitive header lookup; empty when absent.
std::string find_header_value(const std::vector<HttpHeader>& headers, std::string_view name);

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // fully encoded
  std::vector<HttpHeader> headers;
  std::string body;                                  // used when body_file is empty
  std::optional<FileRange> body_file;                // streamed from disk
  std::optional<std::filesystem::path> download_to;  // write a 2xx response body here
  bool head = false;                                 // HEAD: no response body expected

  std::uint64_t body_size() const { return body_file ? body_file->length : body.size(); }
  // Case-insensitive header lookup; empty when absent.
  std::string header(std::string_view name) const { return find_header_value(headers, name); }
};

struct HttpResponse {
  long status = 0;
  std::vector<HttpHeader> headers;  // names as received
  std::string body;                 // empty when written to download_to

  // Case-insensitive header lookup; empty when absent.
  std::string header(std::string_view name) const { return find_header_value(headers, name); }
  bool success() const { return status >= 200 && status < 300; }
};

// Adds one raw header line as received ("Name: value\r\n"); a status line ("HTTP/1.1 100 ...")
// starts a new response (after 100 Continue or a redirect) and a line without ':' is ignored.
// Never throws, whatever the bytes.
void append_header_line(HttpResponse& response, std::string_view line);

}  // namespace imgsync::s3
