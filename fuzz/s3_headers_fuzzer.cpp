// libFuzzer target for the headers of an S3 server's answers: raw header lines as libcurl hands
// them over (append_header_line), then everything imgsync reads from them: the object's
// attributes (Content-Length, ETag, x-amz-meta-*), the Date used for clock-skew correction and
// the request id of an error. A server (or something in between) controls these bytes; none of
// it may throw or crash. Seeded by scripts/run-fuzzers with fuzz/seeds/s3_headers.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "s3/http_types.h"
#include "s3/s3_error.h"
#include "s3/s3_object_headers.h"
#include "util/time_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace imgsync::s3;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  HttpResponse response;
  response.status = 200;
  for (std::size_t start = 0; start < input.size();) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    append_header_line(response, input.substr(start, end - start + (end < input.size())));
    start = end + 1;
  }
  (void)object_info_from_headers("key", response);
  (void)parse_content_length(input);
  (void)imgsync::parse_http_date(response.header("Date"));
  response.status = 503;
  const ErrorContext context{"HeadObject", "s3://bucket/key", "AKIAFUZZ", "us-east-1"};
  (void)error_from_response(response, context).describe();
  return 0;
}
