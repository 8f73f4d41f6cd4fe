// imgsync doctor [FOLDER...] [--to s3://BUCKET/PREFIX]: one line per check (app/doctor_service.h),
// ok / warn / fail, with the fix under anything not ok; --json: one object per check.
// Exit: 0 nothing failed (warnings allowed); 3 a destination check failed (credentials, endpoint,
// bucket, probe, shared catalog); 2 imgsync.toml or the flags are wrong; 1 only a local check
// failed.
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "app/doctor_service.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/sync_flags.h"
#include "util/error_predicates.h"
#include "util/file_paths.h"

namespace imgsync::cli {
namespace {

struct DoctorFlags {
  SyncFlags flags;
  std::vector<std::string> folders;
};

void print_check(const app::DoctorCheck& check, bool json) {
  if (json) {
    fmt::print("{}\n", nlohmann::json{{"check", check.name},
                                      {"status", std::string(app::to_string(check.status))},
                                      {"detail", check.detail},
                                      {"fix", check.fix}}
                           .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  fmt::print("{:<5} {:<14} {}\n", app::to_string(check.status), check.name, check.detail);
  if (!check.fix.empty()) fmt::print("{:<5} {:<14} fix: {}\n", "", "", check.fix);
}

// The set-up as sync would see it; a missing destination is no error here (the bucket checks say
// how to give one), and missing credentials are a check, not an early exit.
Result<app::DoctorOptions> doctor_options(const DoctorFlags& doctor) {
  app::DoctorOptions options;
  config::AppConfig config;
  auto loaded = load_flagged_config(doctor.flags);
  if (!loaded.ok()) return loaded.take_error();
  if (loaded->destination) {
    auto setup = resolve_sync_setup(doctor.flags, false);
    if (!setup.ok()) return setup.take_error();
    config = setup->config;
    options.destination = config.destination;
    options.state_dir = config.state_dir;
  } else {  // no destination: the local checks, and those of imgsync.toml's settings
    config = std::move(*loaded);
    if (!config.state_dir.empty()) options.state_dir = config.state_dir;
    if (!doctor.flags.catalog.empty()) {
      if (Status ok = config::check_catalog_url(doctor.flags.catalog, "--catalog"); !ok.ok()) {
        return ok.error();
      }
      config.catalog.url = doctor.flags.catalog;
    }
  }
  auto s3 = resolve_s3_flags(doctor.flags.s3, config.s3);
  if (s3.ok()) {
    options.s3 = std::move(*s3);
  } else if (is_credentials_error(s3.error())) {
    options.s3_error = s3.error();
  } else {
    return s3.take_error();
  }
  options.catalog = config.catalog;
  for (const auto& source : config.sources) options.watched_folders.push_back(source.path);
  for (const auto& folder : doctor.folders) {
    auto absolute = absolute_path(folder);
    if (!absolute.ok()) return absolute.take_error();
    options.watched_folders.push_back(std::move(*absolute));
  }
  return options;
}

int run_doctor_command(const DoctorFlags& doctor) {
  auto options = doctor_options(doctor);
  if (!options.ok()) {
    print_check({.name = "config",
                 .status = app::CheckStatus::kFail,
                 .detail = options.error().message,
                 .fix = "correct imgsync.toml or the flags (docs/configuration.md lists every key)",
                 .area = app::CheckArea::kLocal},
                doctor.flags.json);
    return kExitUsage;
  }
  const auto checks = app::run_doctor(
      *options, [&](const app::DoctorCheck& check) { print_check(check, doctor.flags.json); });
  int exit_code = kExitOk;
  for (const auto& check : checks) {
    if (check.status != app::CheckStatus::kFail) continue;
    if (check.area == app::CheckArea::kDestination) return kExitDestination;
    exit_code = kExitSomeFailed;
  }
  return exit_code;
}

}  // namespace

void add_doctor_command(CLI::App& app, int& exit_code) {
  auto doctor = std::make_shared<DoctorFlags>();
  CLI::App* command = app.add_subcommand(
      "doctor",
      "check credentials, endpoint, bucket, shared catalog, state directory and inotify limits");
  add_sync_flags(*command, doctor->flags, false);
  command->add_option("folders", doctor->folders,
                      "folders imgsync watch would watch (besides imgsync.toml's [[source]])");
  command->callback([doctor, &exit_code] { exit_code = run_doctor_command(*doctor); });
}

}  // namespace imgsync::cli
