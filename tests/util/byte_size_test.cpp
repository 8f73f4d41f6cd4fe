#include "util/byte_size.h"

#include <gtest/gtest.h>

namespace imgsync {
namespace {

TEST(ByteSize, ParsesUnitsAndPlainNumbers) {
  EXPECT_EQ(*parse_byte_size("1048576"), 1048576u);
  EXPECT_EQ(*parse_byte_size("64MiB"), 64ull << 20);
  EXPECT_EQ(*parse_byte_size("16 MB"), 16000000u);
  EXPECT_EQ(*parse_byte_size("1.5GiB"), 3ull << 29);
  EXPECT_EQ(*parse_byte_size("5gib"), 5ull << 30);
  EXPECT_EQ(*parse_byte_size(" 7 B "), 7u);
}

TEST(ByteSize, RejectsWhatIsNotASize) {
  for (const char* text :
       {"", "MiB", "12 parsecs", "1.5", "1..5MiB", "-5MiB", "5 MiB extra", ".5MiB"}) {
    auto size = parse_byte_size(text);
    ASSERT_FALSE(size.ok()) << text;
    EXPECT_NE(size.error().message.find("64MiB"), std::string::npos);
  }
}

TEST(ByteSize, FormatsForPeople) {
  EXPECT_EQ(format_byte_size(512), "512 B");
  EXPECT_EQ(format_byte_size(16ull << 20), "16.0 MiB");
  EXPECT_EQ(format_byte_size(3ull << 29), "1.5 GiB");
}

}  // namespace
}  // namespace imgsync
