// Paths tests need: the third-party test corpus, the source tree, scratch directories.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace imgsync::testing {

// The test corpus (real images, the AWS SigV4 suite, STAC schemas: third-party files, never
// copied into the repository; tests/CORPUS.md says what is in it and where it comes from):
// $IMGSYNC_CORPUS if set, else ../shared/corpus beside the repository.
std::filesystem::path corpus_dir();
bool corpus_available();
// One line: where the corpus was looked for and where it comes from.
std::string corpus_missing_note();
// CI=true (or 1) in the environment: a missing corpus is a failure there, not a skip.
bool running_under_ci();

std::filesystem::path source_dir();  // the repository root
std::filesystem::path binary_dir();  // the build directory

// A fresh, empty directory under the system temp dir, removed by the destructor.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& label = "imgsync-test");
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Whole file as bytes. write_file creates missing parent directories.
std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& bytes);

}  // namespace imgsync::testing

// First statement of a test (or SetUp) that reads the corpus: without it the test is skipped
// with one line saying where the corpus comes from, or fails under CI.
#define IMGSYNC_REQUIRE_CORPUS()                                   \
  do {                                                             \
    if (!::imgsync::testing::corpus_available()) {                 \
      if (::imgsync::testing::running_under_ci()) {                \
        FAIL() << ::imgsync::testing::corpus_missing_note();       \
      } else {                                                     \
        GTEST_SKIP() << ::imgsync::testing::corpus_missing_note(); \
      }                                                            \
    }                                                              \
  } while (false)
