#include "cli/cli_main.h"

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/help_examples.h"
#include "notify/event_log.h"

namespace imgsync::cli {

namespace {

constexpr const char* kExamples = R"(Examples:
  imgsync init --to s3://my-bucket/survey
  imgsync sync ./out --to s3://my-bucket/survey
  imgsync search --to s3://my-bucket/survey --since 2026-05-01 --until 2026-05-31
  imgsync doctor --to s3://my-bucket/survey
  imgsync COMMAND --help          # each command's flags and examples

The destination is --to s3://BUCKET[/PREFIX] in every command (or 'destination' in imgsync.toml);
time ranges are --since/--until.

Credentials and endpoint follow the AWS conventions: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_PROFILE (~/.aws/credentials, ~/.aws/config), AWS_REGION, AWS_ENDPOINT_URL.
Exit codes: 0 done, 1 some items failed, 2 usage/configuration error, 3 destination unusable.)";

// "imgsync search: --limit: Value abc not ... (imgsync search --help)": the deepest command the
// parser reached names the error, so a user knows whose flags to look up.
int report_parse_error(CLI::App& app, const CLI::ParseError& error) {
  if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
    app.exit(error);  // --help, --version
    return kExitOk;
  }
  std::string command;
  for (const CLI::App* current = &app; !current->get_subcommands().empty();) {
    current = current->get_subcommands().back();
    command += " " + current->get_name();
  }
  fmt::print(stderr, "imgsync{}: {}\nRun 'imgsync{} --help' for its flags and examples.\n", command,
             error.what(), command);
  return kExitUsage;
}

}  // namespace

int run(int argc, char** argv) {
  // Named, not argv[0]: help, errors and the man page say "imgsync", wherever it was run from.
  CLI::App app{"imgsync: turn folders of images into a verified, searchable archive on S3",
               "imgsync"};
  app.footer(kExamples);
  app.set_version_flag("--version", fmt::format("imgsync {}", IMGSYNC_VERSION));
  app.require_subcommand(0, 1);
  app.fallthrough();  // the logging flags work before or after the subcommand
  int exit_code = kExitOk;
  notify::route_library_logs();
  notify::LogSettings logging;
  std::string log_format = "text";
  const char* group = "Logging";
  app.add_option("--log-format", log_format, "text (default) or json: one object per line")
      ->check(CLI::IsMember({"text", "json"}))
      ->group(group);
  app.add_option("--log-file", logging.file, "also log to FILE (rotated at 10 MiB, 5 kept)")
      ->group(group);
  app.add_flag(
         "-q,--quiet", [&logging](std::int64_t) { logging.verbosity = -1; },
         "errors only on stderr")
      ->group(group);
  app.add_flag(
         "-v,--verbose",
         [&logging](std::int64_t count) { logging.verbosity = static_cast<int>(count); },
         "-v: every upload; -vv: parts and Items too")
      ->group(group);
  Status logging_ok;
  app.parse_complete_callback([&] {
    logging.json = log_format == "json";
    logging_ok = notify::configure_logging(logging);
    if (!logging_ok.ok()) throw CLI::ValidationError("--log-file", logging_ok.error().message);
  });
  add_put_command(app, exit_code);
  add_ls_command(app, exit_code);
  add_mb_command(app, exit_code);
  add_meta_command(app, exit_code);
  add_sync_commands(app, exit_code);
  add_watch_commands(app, exit_code);
  add_bucket_commands(app, exit_code);
  add_search_commands(app, exit_code);
  add_gallery_command(app, exit_code);
  add_serve_command(app, exit_code);
  add_catalog_commands(app, exit_code);
  add_doctor_command(app, exit_code);
  add_help_examples(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return report_parse_error(app, error);
  } catch (const std::exception& error) {
    // The last net: a throw from a library (std::filesystem, an allocation) that no Result
    // caught ends the command with its message, not std::terminate.
    fmt::print(stderr,
               "imgsync: unexpected failure: {}\n(nothing already uploaded is affected; the "
               "journal keeps what was done. Please report this.)\n",
               error.what());
    return kExitSomeFailed;
  }
  if (app.get_subcommands().empty()) {
    fmt::print("{}", app.help());
    return kExitOk;
  }
  return exit_code;
}

}  // namespace imgsync::cli
