// std::filesystem's path questions that throw, as Results: the working directory and absolute
// paths fail when the folder imgsync was started in has been deleted (getcwd: ENOENT), and a
// Result-returning function must not let that throw escape.
#pragma once

#include <filesystem>
#include <string_view>

#include "util/result.h"

namespace imgsync {

// The working directory; kLocalIo naming the fix when it cannot be read (deleted under us).
Result<std::filesystem::path> working_directory();

// `path` made absolute against the working directory (unchanged when it already is).
Result<std::filesystem::path> absolute_path(const std::filesystem::path& path);

// Creates `folder` and its parents unless they exist; kLocalIo "cannot create WHAT FOLDER: why"
// (`what`: "the state directory") when that fails.
Status create_folder(const std::filesystem::path& folder, std::string_view what);

}  // namespace imgsync
