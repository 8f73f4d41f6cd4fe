#include "app/capture_planner.h"

#include <fmt/format.h>

#include "media/capture_pairing.h"

namespace imgsync::app {
namespace {

media::CaptureTime date_of(const std::string& date_path) {
  media::CaptureTime time;
  std::sscanf(date_path.c_str(), "%d/%d/%d", &time.year, &time.month, &time.day);
  return time;
}

media::AssetFolder folder_of(config::SourceKind kind) {
  return kind == config::SourceKind::kRaw ? media::AssetFolder::kRaw
                                          : media::AssetFolder::kEnhanced;
}

std::string extension_of(const std::filesystem::path& path) {
  const std::string extension = path.extension().string();
  return extension.empty() ? extension : extension.substr(1);
}

}  // namespace

CapturePlanner::CapturePlanner(catalog::JournalStore& journal, std::string prefix,
                               media::NameTemplate name_template, std::string project)
    : journal_(journal),
      prefix_(std::move(prefix)),
      name_template_(std::move(name_template)),
      project_(std::move(project)) {}

std::optional<std::string> CapturePlanner::owner_of(std::string_view name) {
  if (auto owner = claimed_.owner(name)) return owner;
  auto capture = journal_.capture_by_name(std::string(name));
  if (capture.ok() && capture->has_value()) return (*capture)->owner_sha256;
  return std::nullopt;
}

Result<PlannedFile> CapturePlanner::plan(const ScannedFile& file,
                                         const media::ImageMetadata& metadata,
                                         const std::optional<catalog::FileRecord>& previous,
                                         bool dry_run) {
  PlannedFile planned;
  const auto role =
      file.kind == config::SourceKind::kRaw ? media::FileRole::kRaw : media::FileRole::kEnhanced;
  planned.pair_key = file.relative.parent_path().generic_string() + "/" +
                     media::pairing_key(file.path.filename().string(), role);

  std::optional<catalog::CaptureRecordRow> capture;
  if (previous && !previous->name.empty()) {
    auto known = journal_.capture_by_name(previous->name);
    if (!known.ok()) return known.take_error();
    capture = *known;
  }
  if (!capture) {
    auto partner = journal_.capture_by_pair_key(planned.pair_key);
    if (!partner.ok()) return partner.take_error();
    if (*partner) {
      // Join only a capture that lacks a file of this kind: two raws never merge.
      auto members = journal_.files_of_capture((*partner)->name);
      if (!members.ok()) return members.take_error();
      bool has_kind = false;
      for (const auto& member : *members) {
        has_kind = has_kind || (member.kind == config::to_string(file.kind) &&
                                member.path != file.path.string());
      }
      if (!has_kind) capture = *partner;
    }
  }

  if (capture) {
    planned.name = capture->name;
    planned.date_path = capture->date_path;
    planned.item_key = capture->item_key;
    planned.new_capture = false;
  } else {
    auto base = name_template_.render(media::naming_input_from(metadata, project_));
    if (!base.ok()) return base.take_error();
    auto name = media::resolve_name_collision(
        *base, metadata.sha256, [this](std::string_view candidate) { return owner_of(candidate); });
    if (!name.ok()) return name.take_error();
    planned.name = *name;
    claimed_.record(planned.name, metadata.sha256);
    if (!metadata.captured_at) {
      return make_error(ErrorCategory::kInvalidInput,
                        file.path.string() + ": no capture time, and keys are filed under it");
    }
    const auto& when = *metadata.captured_at;
    planned.date_path = fmt::format("{:04}/{:02}/{:02}", when.year, when.month, when.day);
    auto item_key = media::object_key(prefix_, media::AssetFolder::kMetadata,
                                      date_of(planned.date_path), planned.name);
    if (!item_key.ok()) return item_key.take_error();
    planned.item_key = *item_key;
  }
  auto key = media::object_key(prefix_, folder_of(file.kind), date_of(planned.date_path),
                               planned.name, extension_of(file.path));
  if (!key.ok()) return key.take_error();
  planned.object_key = *key;

  if (planned.new_capture && !dry_run) {
    catalog::CaptureRecordRow row;
    row.name = planned.name;
    row.pair_key = planned.pair_key;
    row.owner_sha256 = metadata.sha256;
    row.item_key = planned.item_key;
    row.date_path = planned.date_path;
    if (Status ok = journal_.upsert_capture(row); !ok.ok()) return ok.error();
  }
  return planned;
}

}  // namespace imgsync::app
