// Reading imgsync.toml's tables: each problem becomes a kInvalidInput Error naming the file, the
// line and the key. Internal to config/ (it exposes toml++ types).
#pragma once

#include <fmt/format.h>

#include <toml++/toml.h>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/notifier_config.h"
#include "util/byte_size.h"
#include "util/result.h"

namespace imgsync::config {

// Makes each problem an Error with its location, and remembers the node of the last one, so that
// parse_app_config can take it out and read on to report every problem at once.
class TomlReader {
 public:
  explicit TomlReader(std::filesystem::path file) : file_(std::move(file)) {}

  Error error_at(const toml::node& node, const std::string& key, const std::string& problem) const {
    last_error_node_ = &node;
    last_error_line_ = node.source().begin.line;
    return make_error(
        ErrorCategory::kInvalidInput,
        fmt::format("{}:{}: {}: {}", file_.string(), node.source().begin.line, key, problem));
  }

  Status check_keys(const toml::table& table, const std::string& section,
                    const std::set<std::string>& allowed) const {
    for (const auto& [key, node] : table) {
      if (!allowed.contains(std::string(key.str()))) {
        std::string known;
        for (const auto& name : allowed) known += (known.empty() ? "" : ", ") + name;
        return error_at(node, section + std::string(key.str()),
                        fmt::format("unknown key; the keys here are: {}", known));
      }
    }
    return {};
  }

  Result<std::string> string_at(const toml::table& table, const char* key,
                                const std::string& section) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return std::string();
    if (!node->is_string()) return error_at(*node, section + key, "must be a string in quotes");
    return std::string(node->as_string()->get());
  }

  Result<std::vector<std::string>> strings_at(const toml::table& table, const char* key,
                                              const std::string& section) const {
    std::vector<std::string> values;
    const toml::node* node = table.get(key);
    if (node == nullptr) return values;
    const toml::array* array = node->as_array();
    if (array == nullptr)
      return error_at(*node, section + key, R"(must be a list, e.g. ["*.jpg"])");
    for (const auto& element : *array) {
      if (!element.is_string())
        return error_at(element, section + key, "list items must be strings");
      values.emplace_back(element.as_string()->get());
    }
    return values;
  }

  Result<std::optional<std::uint64_t>> size_at(const toml::table& table, const char* key,
                                               const std::string& section) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return std::optional<std::uint64_t>();
    if (node->is_integer() && node->as_integer()->get() > 0) {
      return std::optional<std::uint64_t>(static_cast<std::uint64_t>(node->as_integer()->get()));
    }
    if (node->is_string()) {
      auto size = parse_byte_size(node->as_string()->get());
      if (!size.ok()) return error_at(*node, section + key, size.error().message);
      return std::optional<std::uint64_t>(*size);
    }
    return error_at(*node, section + key, R"(must be a size such as "16MiB" or a number of bytes)");
  }

  const toml::node* last_error_node() const { return last_error_node_; }
  std::uint32_t last_error_line() const { return last_error_line_; }

  std::filesystem::path resolve(const std::string& path) const {
    std::filesystem::path value(path);
    return value.is_absolute() ? value : file_.parent_path() / value;
  }

 private:
  std::filesystem::path file_;
  mutable const toml::node* last_error_node_ = nullptr;
  mutable std::uint32_t last_error_line_ = 0;
};

// One [[notify]] table.
Result<NotifierConfig> read_notifier(const TomlReader& reader, const toml::table& table);

}  // namespace imgsync::config
