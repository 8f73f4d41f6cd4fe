// Plumbing commands in the style of `aws s3 ls` / `aws s3 mb`: list objects, make a bucket.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/s3_flags.h"
#include "config/s3_uri.h"
#include "s3/s3_client.h"

namespace imgsync::cli {
namespace {

struct LocationOptions {
  std::string location;
  bool json = false;
  S3Flags s3;
};

// Parses the location and connects; prints the problem and returns nullopt on failure.
std::optional<std::pair<config::S3Uri, std::unique_ptr<s3::S3Client>>> connect(
    const char* command, const LocationOptions& options, int& exit_code) {
  auto location = config::parse_s3_uri(options.location);
  if (!location.ok()) {
    exit_code = fail_setup(command, location.error());
    return std::nullopt;
  }
  auto settings = resolve_s3_flags(options.s3);
  if (!settings.ok()) {
    exit_code = fail_setup(command, settings.error());
    return std::nullopt;
  }
  return std::pair{std::move(*location), std::make_unique<s3::S3Client>(std::move(*settings))};
}

int run_ls(const LocationOptions& options) {
  int exit_code = kExitOk;
  auto connection = connect("ls", options, exit_code);
  if (!connection) return exit_code;
  auto& [location, client] = *connection;
  auto objects = client->list_all_objects(location.bucket, location.key);
  if (!objects.ok()) {
    fmt::print(stderr, "imgsync ls: {}\n", objects.error().describe());
    return exit_code_for(objects.error());
  }
  std::uint64_t total = 0;
  for (const auto& object : *objects) {
    total += object.size;
    if (options.json) {
      fmt::print("{}\n", nlohmann::json{{"key", object.key},
                                        {"size", object.size},
                                        {"etag", object.etag},
                                        {"last_modified", object.last_modified}}
                             .dump());
    } else {
      fmt::print("{:>24}  {:>12}  s3://{}/{}\n", object.last_modified, object.size, location.bucket,
                 object.key);
    }
  }
  if (!options.json) fmt::print("{} objects, {} bytes\n", objects->size(), total);
  return kExitOk;
}

int run_mb(const LocationOptions& options) {
  int exit_code = kExitOk;
  auto connection = connect("mb", options, exit_code);
  if (!connection) return exit_code;
  auto& [location, client] = *connection;
  Status created = client->create_bucket(location.bucket);
  if (!created.ok()) {
    if (created.error().s3_code == "BucketAlreadyOwnedByYou") {
      fmt::print("bucket s3://{} exists already and is yours\n", location.bucket);
      return kExitOk;
    }
    fmt::print(stderr, "imgsync mb: {}\n", created.error().describe());
    return exit_code_for(created.error());
  }
  fmt::print("made bucket s3://{}\n", location.bucket);
  return kExitOk;
}

}  // namespace

void add_ls_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<LocationOptions>();
  CLI::App* command = app.add_subcommand("ls", "list the objects under s3://bucket[/prefix]");
  command->add_option("location", options->location, "s3://bucket[/prefix]")->required();
  command->add_flag("--json", options->json, "one JSON object per line");
  add_s3_flags(*command, options->s3);
  command->callback([options, &exit_code] { exit_code = run_ls(*options); });
}

void add_mb_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<LocationOptions>();
  CLI::App* command = app.add_subcommand("mb", "make a bucket (see also 'imgsync init')");
  command->add_option("bucket", options->location, "s3://bucket")->required();
  add_s3_flags(*command, options->s3);
  command->callback([options, &exit_code] { exit_code = run_mb(*options); });
}

}  // namespace imgsync::cli
