#include "cli/vocabulary.h"

#include <fmt/format.h>

#include <cctype>

namespace imgsync::cli {

std::string command_path(const CLI::App& command) {
  std::string path = command.get_name();
  for (const CLI::App* parent = command.get_parent();
       parent != nullptr && parent->get_parent() != nullptr; parent = parent->get_parent()) {
    path = parent->get_name() + " " + path;
  }
  return path;
}

void note_deprecated(const std::string& command, const std::string& old_spelling,
                     const std::string& new_spelling) {
  fmt::print(stderr,
             "imgsync {}: warning: {} is deprecated and goes away in the next release: use {}\n",
             command, old_spelling, new_spelling);
}

void add_destination_option(CLI::App& command, std::string& to, std::string& alias) {
  command.add_option("--to", to,
                     "the destination s3://BUCKET[/PREFIX] (default: imgsync.toml's destination)");
  const CLI::App* owner = &command;
  command
      .add_option_function<std::string>(
          "--destination",
          [&alias, owner](const std::string& value) {
            note_deprecated(command_path(*owner), "--destination", "--to");
            alias = value;
          },
          "deprecated spelling of --to")
      ->group("");  // hidden from --help
}

bool looks_like_time(const std::string& value) {
  return !value.empty() && std::isdigit(static_cast<unsigned char>(value.front())) != 0;
}

}  // namespace imgsync::cli
