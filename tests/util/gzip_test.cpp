// Gzip round trips: lines out of one member or several (a snapshot is written as many), across
// inflate's chunk boundaries, from memory and from a file; a cut-off stream is an error.
#include "util/gzip.h"

#include <gtest/gtest.h>

#include "support/test_paths.h"

namespace imgsync {
namespace {

std::vector<std::string> lines_of(std::string_view compressed) {
  std::vector<std::string> lines;
  Status read = for_each_gzip_line(compressed, [&](std::string_view line) {
    lines.emplace_back(line);
    return Status{};
  });
  EXPECT_TRUE(read.ok()) << (read.ok() ? "" : read.error().message);
  return lines;
}

TEST(GzipTest, LinesComeBackAcrossChunksAndMembers) {
  std::string text;
  std::vector<std::string> expected;
  for (int i = 0; i < 20'000; ++i) {  // about 1 MB: many 64 KiB output chunks
    expected.push_back("{\"id\":\"item_" + std::to_string(i) + "\",\"pad\":\"" +
                       std::string(static_cast<std::size_t>(i % 80), 'x') + "\"}");
    text += expected.back() + "\n";
  }
  EXPECT_EQ(lines_of(gzip_compress(text)), expected);
  const std::string half = text.substr(0, text.size() / 2);
  const std::size_t cut = half.rfind('\n') + 1;
  const std::string two_members =
      gzip_compress(text.substr(0, cut)) + gzip_compress(text.substr(cut));
  EXPECT_EQ(lines_of(two_members), expected);

  testing::ScratchDir scratch("gzip");
  testing::write_file(scratch.path() / "lines.gz", two_members);
  std::vector<std::string> from_file;
  ASSERT_TRUE(for_each_gzip_line(scratch.path() / "lines.gz", [&](std::string_view line) {
                from_file.emplace_back(line);
                return Status{};
              }).ok());
  EXPECT_EQ(from_file, expected);
}

TEST(GzipTest, LastLineWithoutNewlineAndEmptyInput) {
  EXPECT_EQ(lines_of(gzip_compress("a\nb")), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(lines_of(gzip_compress("")).empty());
}

TEST(GzipTest, TruncatedOrForeignDataIsAnError) {
  const std::string whole = gzip_compress(std::string(100'000, 'z') + "\n");
  auto ignore = [](std::string_view) { return Status{}; };
  Status cut = for_each_gzip_line(std::string_view(whole).substr(0, whole.size() / 2), ignore);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().category, ErrorCategory::kInvalidInput);
  EXPECT_FALSE(for_each_gzip_line(std::string_view("plain text, not gzip"), ignore).ok());
}

}  // namespace
}  // namespace imgsync
