// libFuzzer target for what imgsync parses from an S3 server's answers: every response document
// of src/s3/s3_xml.h and the <Error> body of src/s3/s3_error.h, turned into a typed Error the way
// a failed request's answer is. A server (or something pretending to be one) controls these
// bytes. Seeded by scripts/run-fuzzers with fuzz/seeds/s3_xml.
#include <cstddef>
#include <cstdint>
#include <string>

#include "s3/s3_error.h"
#include "s3/s3_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace imgsync::s3;
  const std::string body(reinterpret_cast<const char*>(data), size);

  (void)xml::parse_list_objects_v2(body);
  (void)xml::parse_delete_result(body);
  (void)xml::parse_initiate_multipart(body);
  (void)xml::parse_list_parts(body);
  (void)xml::parse_list_multipart_uploads(body);
  (void)xml::parse_etag_result(body, "CompleteMultipartUploadResult");
  (void)xml::parse_etag_result(body, "CopyObjectResult");
  (void)xml::parse_public_access_block(body);
  (void)xml::parse_lifecycle(body);
  (void)xml::parse_cors(body);
  (void)xml::parse_versioning_status(body);
  (void)xml::parse_tagging(body);
  (void)xml::strip_quotes(body);

  (void)parse_error_body(body);
  // The status comes from the first byte, so every branch of the classification is reached.
  static constexpr long kStatuses[] = {400, 403, 404, 409, 412, 429, 500, 501, 503, 301};
  HttpResponse response;
  response.status = kStatuses[size > 0 ? data[0] % std::size(kStatuses) : 0];
  response.body = body;
  response.headers.push_back({"x-amz-request-id", "fuzz"});
  const ErrorContext context{"PutObject", "s3://bucket/key", "AKIAFUZZ", "us-east-1"};
  (void)error_from_response(response, context).describe();
  return 0;
}
