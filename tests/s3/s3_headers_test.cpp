// Response headers as a server (or whatever answers in its place) sends them: nothing they hold
// makes the S3 layer throw; a Content-Length that is no byte count is an error value.
#include <gtest/gtest.h>

#include "s3/http_types.h"
#include "s3/s3_object_headers.h"

namespace imgsync::s3 {
namespace {

HttpResponse response_of(std::initializer_list<std::string_view> lines) {
  HttpResponse response;
  response.status = 200;
  for (auto line : lines) append_header_line(response, line);
  return response;
}

TEST(ContentLength, OnlyDecimalCountsThatFitAreRead) {
  EXPECT_EQ(parse_content_length("0"), 0u);
  EXPECT_EQ(parse_content_length("1234"), 1234u);
  EXPECT_EQ(parse_content_length("18446744073709551615"), 18446744073709551615u);
  EXPECT_EQ(parse_content_length("42 "), 42u);
  for (std::string_view bad : {"", " ", "-1", "+1", "1e3", "12abc", "abc", "0x10", "1 2",
                               "18446744073709551616", "99999999999999999999999"}) {
    EXPECT_FALSE(parse_content_length(bad).has_value()) << bad;
  }
}

TEST(ObjectHeaders, AttributesAreReadFromRawLines) {
  auto response =
      response_of({"HTTP/1.1 100 Continue\r\n", "X-Junk: before\r\n", "HTTP/1.1 200 OK\r\n",
                   "Content-Length: 1234\r\n", "ETag: \"abc\"\r\n",
                   "x-amz-meta-Imgsync-SHA256:  f00\r\n", "no colon here\r\n", "\r\n"});
  auto info = object_info_from_headers("k", response);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->size, 1234u);
  EXPECT_EQ(info->etag, "abc");
  EXPECT_EQ(info->metadata.at("imgsync-sha256"), "f00");
  EXPECT_EQ(response.header("X-Junk"), "") << "a new status line starts a new response";
}

TEST(ObjectHeaders, AMalformedContentLengthIsAnErrorNotAThrow) {
  for (std::string_view length : {"Content-Length: nope\r\n", "Content-Length: -5\r\n",
                                  "Content-Length: 99999999999999999999999\r\n"}) {
    auto info = object_info_from_headers("photos/a.jpg", response_of({length}));
    ASSERT_FALSE(info.ok()) << length;
    EXPECT_EQ(info.error().category, ErrorCategory::kFatal);
    EXPECT_NE(info.error().message.find("Content-Length"), std::string::npos);
    EXPECT_NE(info.error().message.find("photos/a.jpg"), std::string::npos);
  }
  // No Content-Length at all: size 0, as before.
  auto none = object_info_from_headers("k", response_of({"ETag: x\r\n"}));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->size, 0u);
}

TEST(ObjectHeaders, ArbitraryBytesNeverThrow) {
  std::string bytes;
  for (int i = 0; i < 4096; ++i) bytes += static_cast<char>((i * 131 + 7) % 256);
  HttpResponse response;
  for (std::size_t at = 0; at < bytes.size(); at += 37) {
    append_header_line(response, std::string_view(bytes).substr(at, 37));
  }
  append_header_line(response, "Content-Length: \xff\xfe");
  EXPECT_NO_THROW((void)object_info_from_headers("k", response));
}

}  // namespace
}  // namespace imgsync::s3
