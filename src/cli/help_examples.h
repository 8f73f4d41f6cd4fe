// The "Examples:" footer of each command's --help: its own examples, in the one vocabulary
// (cli/vocabulary.h). Called once every command is registered.
#pragma once

#include <CLI/CLI.hpp>

namespace imgsync::cli {

void add_help_examples(CLI::App& app);

}  // namespace imgsync::cli
