// The INI dialect of ~/.aws/credentials and ~/.aws/config: [section] headers, `key = value` lines,
// `#`/`;` comments, and indented sub-keys under a key with an empty value (`s3 =\n  endpoint_url =
// x`), which are stored as "parent.child". Errors name the file and line, never the line's text:
// these files hold secret keys, and a mangled line is often one.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "util/result.h"

namespace imgsync::config {

using IniSection = std::map<std::string, std::string>;
using IniFile = std::map<std::string, IniSection>;

// Parses text; `origin` names the file in error messages.
Result<IniFile> parse_ini(const std::string& text, const std::string& origin);
// Reads and parses a file. A missing file is an empty IniFile, not an error.
Result<IniFile> read_ini_file(const std::filesystem::path& path);

}  // namespace imgsync::config
