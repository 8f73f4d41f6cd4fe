#include "support/test_paths.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace imgsync::testing {

std::filesystem::path corpus_dir() {
  return IMGSYNC_CORPUS_DIR;
}
std::filesystem::path source_dir() {
  return IMGSYNC_SOURCE_DIR;
}
std::filesystem::path binary_dir() {
  return IMGSYNC_BINARY_DIR;
}

ScratchDir::ScratchDir(const std::string& label) {
  std::string pattern = (std::filesystem::temp_directory_path() / (label + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  out << bytes;
}

}  // namespace imgsync::testing
