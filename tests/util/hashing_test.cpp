#include "util/hashing.h"

#include <gtest/gtest.h>

#include "support/test_paths.h"

namespace imgsync {
namespace {

TEST(Hashing, Sha256OfKnownStrings) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("Welcome to Amazon S3."),
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
}

TEST(Hashing, IncrementalEqualsOneShot) {
  Sha256 hasher;
  hasher.update("Welcome to ");
  hasher.update("Amazon S3.");
  EXPECT_EQ(to_hex(hasher.finish()), sha256_hex("Welcome to Amazon S3."));
}

TEST(Hashing, Md5Base64IsContentMd5) {
  // RFC 1321 test vector; Content-MD5 is the base64 of the raw digest.
  EXPECT_EQ(to_hex(md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(base64_encode(md5("")), "1B2M2Y8AsgTpgAmY7PhCfg==");
}

TEST(Hashing, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Hashing, Base64RoundTripAndRejectsGarbage) {
  for (std::string text : {"", "a", "ab", "abc", "abcd", "\xff\x00\x01"}) {
    auto decoded = base64_decode(base64_encode(text));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, text);
  }
  EXPECT_FALSE(base64_decode("abc").ok());
  EXPECT_FALSE(base64_decode("!!!!").ok());
}

TEST(Hashing, FileRangeDigests) {
  testing::ScratchDir dir;
  const auto file = dir.path() / "data.bin";
  testing::write_file(file, "0123456789");
  auto whole = digest_file(file.string());
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->bytes, 10u);
  EXPECT_EQ(to_hex(whole->sha256), sha256_hex("0123456789"));
  auto middle = digest_file(file.string(), 2, 5);
  ASSERT_TRUE(middle.ok());
  EXPECT_EQ(to_hex(middle->md5), to_hex(md5("23456")));
  auto past_end = digest_file(file.string(), 8, 5);
  ASSERT_FALSE(past_end.ok());
  EXPECT_EQ(past_end.error().category, ErrorCategory::kLocalIo);
  auto missing = digest_file((dir.path() / "nope").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("nope"), std::string::npos);
}

TEST(Hashing, FileDigestsWithoutMd5HaveTheSha256AndNoMd5) {
  testing::ScratchDir dir;
  const auto file = dir.path() / "data.bin";
  testing::write_file(file, "0123456789");
  auto sha_only = digest_file(file.string(), 0, -1, /*with_md5=*/false);
  ASSERT_TRUE(sha_only.ok());
  EXPECT_EQ(to_hex(sha_only->sha256), sha256_hex("0123456789"));
  EXPECT_EQ(sha_only->bytes, 10u);
  EXPECT_FALSE(sha_only->has_md5());
  auto both = digest_file(file.string());
  ASSERT_TRUE(both.ok());
  EXPECT_TRUE(both->has_md5());
}

}  // namespace
}  // namespace imgsync
