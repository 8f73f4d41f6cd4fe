// Flags shared by the commands that read the archive through the local index (search, index,
// publish): which archive (--to, --config, --state-dir, S3 flags), and which Items
// (--since, --until, --bbox, --near, --camera, --tag, ...: `search` takes them directly,
// `publish --filter "..."` inside one string).
#pragma once

#include <CLI/CLI.hpp>

#include "app/search_arguments.h"
#include "app/search_service.h"
#include "cli/sync_flags.h"
#include "util/result.h"

namespace imgsync::cli {

// to_is_a_time: --to is the old spelling of --until (publish --filter, where no destination is
// given); in `search` itself --to is the destination.
void add_search_filter_flags(CLI::App& command, app::SearchArguments& arguments,
                             const std::string& command_name, bool to_is_a_time);

void add_destination_flags(CLI::App& command, SyncFlags& flags);

struct Destination {
  SyncSetup setup;
  app::BucketLocation location;
};
Result<Destination> resolve_destination(const SyncFlags& flags, bool need_credentials);
// The bucket and normalized prefix of a resolved setup's destination.
Result<app::BucketLocation> bucket_location(const SyncSetup& setup);

}  // namespace imgsync::cli
