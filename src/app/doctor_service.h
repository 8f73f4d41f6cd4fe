// `imgsync doctor`: why a set-up does not work. Each check says ok, warn or fail, what it found,
// and for anything not ok the fix. Nothing here changes the bucket, except one small probe object
// under the prefix that is deleted again; nothing changes the state directory.
//
// The checks, in order: credentials (and where they came from); the endpoint (DNS, connection,
// TLS, clock skew); the bucket (exists and answers these credentials, versioning, lifecycle,
// public access); a write/read/delete probe under the prefix; with a shared catalog ([catalog]
// url or --catalog): the server answers, PostGIS, imgsync's schema version, a rolled-back write;
// the state directory (writable, free space, in use by whom); inotify limits for the watched
// folders.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/aws_settings.h"
#include "config/catalog_config.h"
#include "config/s3_uri.h"
#include "util/result.h"

namespace imgsync::app {

enum class CheckStatus { kOk, kWarn, kFail };
// What a failure is about, for the exit code (docs/errors.md): kDestination is 3, kLocal 1.
enum class CheckArea { kDestination, kLocal };

struct DoctorCheck {
  std::string name;  // "credentials", "endpoint", "bucket", ...
  CheckStatus status = CheckStatus::kOk;
  std::string detail;  // what was found
  std::string fix;     // empty when ok
  CheckArea area = CheckArea::kDestination;
};

struct DoctorOptions {
  std::optional<config::S3Uri> destination;  // none: the bucket checks say how to give one
  // Resolved S3 settings, or why there are no credentials.
  std::optional<s3::S3Settings> s3;
  std::optional<Error> s3_error;
  std::optional<std::filesystem::path> state_dir;
  std::vector<std::filesystem::path> watched_folders;
  config::CatalogSettings catalog;  // url empty: no shared catalog, nothing to check
  std::filesystem::path inotify_watches_file = "/proc/sys/fs/inotify/max_user_watches";
  std::uint64_t low_free_space_bytes = 1ULL << 30;
};

// Runs every check, reporting each as it finishes. Never fails itself: problems are checks.
std::vector<DoctorCheck> run_doctor(const DoctorOptions& options,
                                    const std::function<void(const DoctorCheck&)>& on_check);

// The local checks on their own (also used by run_doctor).
DoctorCheck check_state_dir(const std::filesystem::path& state_dir,
                            std::uint64_t low_free_space_bytes);
// The shared catalog's checks (doctor_catalog_checks.cpp): "catalog" (it answers; on failure
// the only check), "postgis", "catalog schema", "catalog write"; all kDestination.
std::vector<DoctorCheck> check_catalog(const config::CatalogSettings& settings);
DoctorCheck check_inotify(const std::vector<std::filesystem::path>& folders,
                          const std::filesystem::path& watches_file);

std::string_view to_string(CheckStatus status);

}  // namespace imgsync::app
