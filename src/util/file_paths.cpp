#include "util/file_paths.h"

#include <fmt/format.h>

#include <system_error>

namespace imgsync {
namespace {

Error no_working_directory(const std::error_code& error) {
  return make_error(ErrorCategory::kLocalIo,
                    fmt::format("the current folder cannot be read ({}): was it deleted? Run "
                                "imgsync from an existing folder, or give absolute paths",
                                error.message()));
}

}  // namespace

Result<std::filesystem::path> working_directory() {
  std::error_code error;
  std::filesystem::path here = std::filesystem::current_path(error);
  if (error) return no_working_directory(error);
  return here;
}

Status create_folder(const std::filesystem::path& folder, std::string_view what) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (!error) return {};
  return make_error(ErrorCategory::kLocalIo,
                    fmt::format("cannot create {} {}: {}", what, folder.string(), error.message()));
}

Result<std::filesystem::path> absolute_path(const std::filesystem::path& path) {
  if (path.is_absolute()) return path;
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(path, error);
  if (error) return no_working_directory(error);
  return absolute;
}

}  // namespace imgsync
