// Paths tests need: the shared third-party corpus, the source tree, scratch directories.
#pragma once

#include <filesystem>
#include <string>

namespace imgsync::testing {

std::filesystem::path corpus_dir();  // ../shared/corpus beside the repository
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
