// `imgsync meta FILE... [--json]`: what imgsync reads from each file (media/metadata_extractor).
// A table for people; with --json one object per file per line (media/metadata_json.h). A file
// that cannot be read is reported and the run goes on; the exit code says whether any failed.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "media/metadata_extractor.h"
#include "media/metadata_json.h"

namespace imgsync::cli {
namespace {

struct MetaOptions {
  std::vector<std::string> files;
  bool json = false;
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

int run_meta(const MetaOptions& options) {
  bool any_failed = false;
  std::vector<Row> rows;
  for (const std::string& file : options.files) {
    auto metadata = media::extract_metadata(file);
    if (options.json) {
      const nlohmann::json record = metadata.ok()
                                        ? media::metadata_to_json(*metadata)
                                        : media::metadata_error_to_json(file, metadata.error());
      const std::string line =
          record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fputc('\n', stdout);
    } else if (metadata.ok()) {
      rows.push_back(row_of(*metadata));
    } else {
      rows.push_back({file, "error", "-", "-", "-", "-", "-"});
      fmt::print(stderr, "imgsync meta: {}\n", metadata.error().message);
    }
    any_failed = any_failed || !metadata.ok();
  }
  if (!options.json) print_table(rows);
  std::fflush(stdout);
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
  command->callback([options, &exit_code] { exit_code = run_meta(*options); });
}

}  // namespace imgsync::cli
