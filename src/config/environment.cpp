#include "config/environment.h"

#include <pwd.h>
#include <unistd.h>

extern char** environ;

namespace imgsync::config {

Environment Environment::from_process() {
  Environment env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string::npos) continue;
    env.variables.emplace(text.substr(0, equals), text.substr(equals + 1));
  }
  if (auto home = env.get_non_empty("HOME")) {
    env.home = *home;
  } else if (const passwd* entry = getpwuid(getuid()); entry != nullptr && entry->pw_dir) {
    env.home = entry->pw_dir;
  }
  return env;
}

std::optional<std::string> Environment::get(const std::string& name) const {
  auto found = variables.find(name);
  if (found == variables.end()) return std::nullopt;
  return found->second;
}

std::optional<std::string> Environment::get_non_empty(const std::string& name) const {
  auto value = get(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

}  // namespace imgsync::config
