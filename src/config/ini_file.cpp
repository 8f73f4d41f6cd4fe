#include "config/ini_file.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace imgsync::config {
namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

}  // namespace

Result<IniFile> parse_ini(const std::string& text, const std::string& origin) {
  IniFile file;
  IniSection* section = nullptr;
  std::string parent_key;  // a key with an empty value, whose indented lines are sub-keys
  std::istringstream lines(text);
  std::string raw;
  int line_number = 0;
  while (std::getline(lines, raw)) {
    ++line_number;
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    const bool indented = raw[0] == ' ' || raw[0] == '\t';
    if (line.front() == '[') {
      if (line.back() != ']') {
        return make_error(
            ErrorCategory::kInvalidInput,
            fmt::format("{}:{}: a section header lacks its closing ']'", origin, line_number));
      }
      section = &file[trim(line.substr(1, line.size() - 2))];
      parent_key.clear();
      continue;
    }
    const auto equals = line.find('=');
    if (equals == std::string::npos) {
      return make_error(ErrorCategory::kInvalidInput,
                        fmt::format("{}:{}: expected \"key = value\" (or an indented \"key = "
                                    "value\" below a key with an empty value); fix that line",
                                    origin, line_number));
    }
    if (section == nullptr) {
      return make_error(
          ErrorCategory::kInvalidInput,
          fmt::format("{}:{}: a key comes before any [section] header", origin, line_number));
    }
    const std::string key = trim(line.substr(0, equals));
    const std::string value = trim(line.substr(equals + 1));
    if (indented && !parent_key.empty()) {
      (*section)[parent_key + "." + key] = value;
      continue;
    }
    (*section)[key] = value;
    parent_key = value.empty() ? key : std::string();
  }
  return file;
}

Result<IniFile> read_ini_file(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return IniFile{};
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(ErrorCategory::kLocalIo,
                      fmt::format("cannot read {}: check its permissions", path.string()));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_ini(text.str(), path.string());
}

}  // namespace imgsync::config
