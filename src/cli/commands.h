// Every subcommand registers itself on the root CLI11 app through one add_*_command function.
// The callback of a subcommand runs the command and stores its exit code in `exit_code`
// (see cli/exit_codes.h). Commands do no work of their own: they call into app/ and the modules.
#pragma once

#include <CLI/CLI.hpp>

namespace imgsync::cli {

void add_put_command(CLI::App& app, int& exit_code);
void add_ls_command(CLI::App& app, int& exit_code);
void add_mb_command(CLI::App& app, int& exit_code);
void add_meta_command(CLI::App& app, int& exit_code);
void add_sync_commands(CLI::App& app, int& exit_code);         // sync, retry, status, verify
void add_watch_commands(CLI::App& app, int& exit_code);        // watch, enqueue
void add_bucket_commands(CLI::App& app, int& exit_code);       // init, share
void add_search_commands(CLI::App& app, int& exit_code);       // search, index rebuild|publish
void add_gallery_command(CLI::App& app, int& exit_code);       // publish
void add_serve_command(CLI::App& app, int& exit_code);         // serve (STAC API)
void add_catalog_commands(CLI::App& app, int& exit_code);      // catalog compact
void add_doctor_command(CLI::App& app, int& exit_code);         // doctor
void add_index_pull_command(CLI::App& index, int& exit_code);  // index pull
void add_index_migrate_command(CLI::App& index, int& exit_code);  // index migrate

}  // namespace imgsync::cli
