#include "util/uri_encoding.h"

#include <gtest/gtest.h>

namespace imgsync {
namespace {

TEST(UriEncoding, KeepsOnlyTheUnreservedSet) {
  const std::string unreserved =
      "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  EXPECT_EQ(uri_encode(unreserved), unreserved);
  EXPECT_EQ(uri_encode(" !\"#$%&'()*+,:;<=>?@[\\]^`{|}"),
            "%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E%60%7B%7C%7D");
}

TEST(UriEncoding, EncodesUtf8ByteByByteInUppercaseHex) {
  EXPECT_EQ(uri_encode("\xE1\x88\xB4"), "%E1%88%B4");  // U+1234, as in the SigV4 suite
  EXPECT_EQ(uri_encode("photo é.jpg"), "photo%20%C3%A9.jpg");
  EXPECT_EQ(uri_encode(std::string("a\0b", 3)), "a%00b");
  EXPECT_EQ(uri_encode("\xFF"), "%FF");
}

TEST(UriEncoding, SlashIsKeptOnlyWhenAsked) {
  EXPECT_EQ(uri_encode("/bucket/a b/c"), "%2Fbucket%2Fa%20b%2Fc");
  EXPECT_EQ(uri_encode("/bucket/a b/c", /*encode_slash=*/false), "/bucket/a%20b/c");
  EXPECT_EQ(uri_encode("", false), "");
}

TEST(UriDecoding, ReversesEscapesInEitherCase) {
  EXPECT_EQ(uri_decode("%E1%88%b4"), "\xE1\x88\xB4");
  EXPECT_EQ(uri_decode("a%2Fb%2fc"), "a/b/c");
  EXPECT_EQ(uri_decode("a%00b"), std::string("a\0b", 3));
}

TEST(UriDecoding, PlusIsASpaceOnlyWhenAsked) {
  EXPECT_EQ(uri_decode("my+photo%2B1.jpg"), "my+photo+1.jpg");
  EXPECT_EQ(uri_decode("my+photo%2B1.jpg", /*plus_as_space=*/true), "my photo+1.jpg");
}

TEST(UriDecoding, MalformedEscapesAreKeptLiterally) {
  EXPECT_EQ(uri_decode("100%"), "100%");
  EXPECT_EQ(uri_decode("%4"), "%4");
  EXPECT_EQ(uri_decode("%G1%4x"), "%G1%4x");
  EXPECT_EQ(uri_decode("%%41"), "%A");
}

TEST(UriEncoding, EveryByteRoundTrips) {
  std::string all_bytes;
  for (int byte = 0; byte < 256; ++byte) all_bytes += static_cast<char>(byte);
  for (const bool encode_slash : {true, false}) {
    const std::string encoded = uri_encode(all_bytes, encode_slash);
    EXPECT_EQ(uri_decode(encoded), all_bytes);
    EXPECT_EQ(uri_decode(encoded, /*plus_as_space=*/true), all_bytes) << "'+' is always escaped";
  }
}

}  // namespace
}  // namespace imgsync
