// `imgsync meta FILE... [--json]`: what imgsync reads from each file (media/metadata_extractor).
// A table for people; with --json one object per file per line (media/metadata_json.h). A file
// that cannot be read is reported and the run goes on; the exit code says whether any failed.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "media/metadata_extractor.h"
#include "media/metadata_json.h"
#include "media/metadata_worker_pool.h"

namespace imgsync::cli {
namespace {

struct MetaOptions {
  std::vector<std::string> files;
  bool json = false;
  int jobs = 0;  // 0: one worker process per core
};

std::string human_size(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / 1024.0;
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(units)) {
    value /= 1024.0;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, units[unit]);
}

std::string camera_of(const media::ImageMetadata& metadata) {
  // "Canon" + "Canon EOS R6" reads better as "Canon EOS R6".
  if (metadata.model.empty()) return metadata.make;
  if (metadata.make.empty() || metadata.model.rfind(metadata.make, 0) == 0) return metadata.model;
  return metadata.make + " " + metadata.model;
}

std::string gps_of(const media::ImageMetadata& metadata) {
  if (!metadata.gps) return "-";
  std::string text = fmt::format("{:.6f},{:.6f}", metadata.gps->latitude, metadata.gps->longitude);
  if (metadata.gps->altitude) text += fmt::format(" {:.0f}m", *metadata.gps->altitude);
  return text;
}

using Row = std::vector<std::string>;

Row row_of(const media::ImageMetadata& metadata) {
  const auto& time = metadata.captured_at;
  return {metadata.path,
          metadata.mime.empty() ? "-" : metadata.mime,
          human_size(metadata.bytes),
          time ? time->to_rfc3339() : "-",
          time ? media::to_string(time->source) : "-",
          gps_of(metadata),
          camera_of(metadata).empty() ? "-" : camera_of(metadata)};
}

void print_table(const std::vector<Row>& rows) {
  const Row header{"PATH", "TYPE", "SIZE", "CAPTURED", "SOURCE", "GPS", "CAMERA"};
  std::vector<std::size_t> widths(header.size());
  for (std::size_t column = 0; column < header.size(); ++column) {
    widths[column] = header[column].size();
    for (const Row& row : rows) widths[column] = std::max(widths[column], row[column].size());
  }
  auto print_row = [&](const Row& row) {
    std::string line;
    for (std::size_t column = 0; column < row.size(); ++column) {
      if (column + 1 == row.size()) {
        line += row[column];
      } else {
        line += fmt::format("{:<{}}  ", row[column], widths[column]);
      }
    }
    fmt::print("{}\n", line);
  };
  print_row(header);
  for (const Row& row : rows) print_row(row);
}

// Prints one file's result (a JSON line, or a table row kept for the end); true when it failed.
class MetaPrinter {
 public:
  explicit MetaPrinter(bool json) : json_(json) {}

  bool print(const std::string& file, const Result<media::ImageMetadata>& metadata) {
    if (json_) {
      const nlohmann::json record = metadata.ok()
                                        ? media::metadata_to_json(*metadata)
                                        : media::metadata_error_to_json(file, metadata.error());
      const std::string line =
          record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fputc('\n', stdout);
    } else if (metadata.ok()) {
      rows_.push_back(row_of(*metadata));
    } else {
      rows_.push_back({file, "error", "-", "-", "-", "-", "-"});
      fmt::print(stderr, "imgsync meta: {}\n", metadata.error().message);
    }
    return !metadata.ok();
  }

  void finish() {
    if (!json_) print_table(rows_);
    std::fflush(stdout);
  }

 private:
  bool json_;
  std::vector<Row> rows_;
};

int run_meta(const MetaOptions& options) {
  if (options.jobs < 0) {
    fmt::print(stderr, "imgsync meta: --jobs must be 0 (one per core) or more, not {}\n",
               options.jobs);
    return kExitUsage;
  }
  bool any_failed = false;
  MetaPrinter printer(options.json);
  // Worker processes, one per core, when there is more than one file: Exiv2 0.27 cannot read
  // files concurrently in one process. The results are the same as reading them here.
  std::unique_ptr<media::MetadataWorkerPool> pool;
  if (options.jobs != 1 && options.files.size() > 1) {
    auto started = media::MetadataWorkerPool::start({.workers = options.jobs});
    if (started.ok()) pool = std::move(*started);
  }
  if (pool) {
    const std::vector<std::filesystem::path> files(options.files.begin(), options.files.end());
    pool->extract_all(
        files, [&](std::size_t index, Result<media::ImageMetadata> metadata, const FileDigests&) {
          any_failed = printer.print(options.files[index], metadata) || any_failed;
        });
  } else {
    for (const std::string& file : options.files) {
      any_failed = printer.print(file, media::extract_metadata(file)) || any_failed;
    }
  }
  printer.finish();
  return any_failed ? kExitSomeFailed : kExitOk;
}

}  // namespace

void add_meta_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<MetaOptions>();
  CLI::App* command = app.add_subcommand(
      "meta", "show what imgsync reads from image files: time, place, camera, type, checksum");
  command->add_option("files", options->files, "image files (sidecars next to them are applied)")
      ->required();
  command->add_flag("--json", options->json, "one JSON object per file per line");
  command->add_option("--jobs", options->jobs,
                      "worker processes reading files in parallel (default 0: one per core; 1: "
                      "read in this process)");
  command->callback([options, &exit_code] { exit_code = run_meta(*options); });
}

}  // namespace imgsync::cli
