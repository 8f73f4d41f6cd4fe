// The process environment and home directory, captured once so that settings resolution is a pure
// function of its inputs (tests pass their own).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace imgsync::config {

struct Environment {
  std::map<std::string, std::string> variables;
  std::filesystem::path home;

  // Reads environ and $HOME (falling back to the password database).
  static Environment from_process();

  // The variable's value, or nullopt when unset. A variable set to "" counts as set.
  std::optional<std::string> get(const std::string& name) const;
  // The variable's value when set and non-empty.
  std::optional<std::string> get_non_empty(const std::string& name) const;
};

}  // namespace imgsync::config
