#include "support/test_paths.h"

#include <stdlib.h>

#include <cstdlib>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace imgsync::testing {

std::filesystem::path corpus_dir() {
  const char* configured = std::getenv("IMGSYNC_CORPUS");
  if (configured != nullptr && *configured != '\0') return configured;
  return IMGSYNC_CORPUS_DIR;
}

bool corpus_available() {
  std::error_code ignored;
  for (const char* part : {"images", "sigv4", "stac-schemas"}) {
    if (!std::filesystem::is_directory(corpus_dir() / part, ignored)) return false;
  }
  return true;
}

std::string corpus_missing_note() {
  return "test corpus not found at " + corpus_dir().string() +
         ": set IMGSYNC_CORPUS to it (third-party images, the AWS SigV4 suite and STAC schemas; "
         "tests/CORPUS.md lists their sources)";
}

bool running_under_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && (std::string(ci) == "true" || std::string(ci) == "1");
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
