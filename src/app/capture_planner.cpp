#include "app/capture_planner.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "media/capture_pairing.h"
#include "util/json_fields.h"

namespace imgsync::app {
namespace {

// A raw and an enhanced file whose camera times differ by more than this are two captures.
constexpr std::int64_t kPairingToleranceSeconds = 60;

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

bool has_own_time(const std::optional<media::CaptureTime>& time) {
  return time && time->source != media::CaptureTimeSource::kFileModificationTime;
}

// The capture time a journal record's metadata holds, when the file had one of its own.
std::optional<media::CaptureTime> own_time_of(const catalog::FileRecord& record) {
  auto metadata = nlohmann::json::parse(record.metadata_json, nullptr, false);
  if (!metadata.is_object() || !metadata["captured_at"].is_string()) return std::nullopt;
  if (json_string(metadata, "captured_at_source") ==
      media::to_string(media::CaptureTimeSource::kFileModificationTime)) {
    return std::nullopt;
  }
  media::CaptureTime time;
  const std::string text = metadata["captured_at"].get<std::string>();
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d", &time.year, &time.month, &time.day, &time.hour,
                  &time.minute, &time.second) != 6) {
    return std::nullopt;
  }
  time.source = media::CaptureTimeSource::kExifDateTimeOriginal;
  return time;
}

bool within_tolerance(const std::optional<media::CaptureTime>& a,
                      const std::optional<media::CaptureTime>& b) {
  if (!has_own_time(a) || !has_own_time(b)) return true;
  return std::llabs(local_seconds(*a) - local_seconds(*b)) <= kPairingToleranceSeconds;
}

}  // namespace

std::int64_t local_seconds(const media::CaptureTime& time) {
  using namespace std::chrono;
  const auto day =
      sys_days(year_month_day(year(time.year), month(static_cast<unsigned>(time.month)),
                              std::chrono::day(static_cast<unsigned>(time.day))));
  return duration_cast<seconds>(day.time_since_epoch()).count() + time.hour * 3600LL +
         time.minute * 60LL + time.second;
}

CapturePlanner::CapturePlanner(catalog::JournalStore& journal, std::string prefix,
                               media::NameTemplate name_template, std::string project)
    : journal_(journal),
      prefix_(std::move(prefix)),
      name_template_(std::move(name_template)),
      project_(std::move(project)) {}

std::optional<std::string> CapturePlanner::owner_of(std::string_view name) {
  if (taken_elsewhere_.count(name) > 0) return std::string("-");  // no sha256 is "-"
  if (auto owner = claimed_.owner(name)) return owner;
  auto capture = journal_.capture_by_name(std::string(name));
  if (capture.ok() && capture->has_value()) return (*capture)->owner_sha256;
  return std::nullopt;
}

Result<bool> CapturePlanner::capture_has_other_of_kind(const std::string& name,
                                                       const ScannedFile& file) {
  if (auto planned = run_captures_.find(name); planned != run_captures_.end()) {
    auto held = planned->second.paths_by_kind.find(file.kind);
    if (held != planned->second.paths_by_kind.end() && held->second != file.path.string()) {
      return true;
    }
    if (dry_run_) return false;
  }
  auto members = journal_.files_of_capture(name);
  if (!members.ok()) return members.take_error();
  for (const auto& member : *members) {
    if (member.kind == file.kind && member.path != file.path.string()) {
      return true;
    }
  }
  return false;
}

Result<bool> CapturePlanner::times_agree(const std::string& name,
                                         const media::ImageMetadata& metadata) {
  if (auto planned = run_captures_.find(name); planned != run_captures_.end()) {
    if (!within_tolerance(planned->second.captured_at, metadata.captured_at)) return false;
    if (dry_run_) return true;
  }
  auto members = journal_.files_of_capture(name);
  if (!members.ok()) return members.take_error();
  for (const auto& member : *members) {
    if (!within_tolerance(own_time_of(member), metadata.captured_at)) return false;
  }
  return true;
}

// The capture a new file joins: the one of its pair key, when it lacks a file of this kind (two
// raws never merge) and its time agrees.
Result<std::optional<catalog::CaptureRecordRow>> CapturePlanner::partner_for(
    const ScannedFile& file, const media::ImageMetadata& metadata, const std::string& pair_key) {
  using Found = std::optional<catalog::CaptureRecordRow>;
  if (forced_new_.count(file.path.string()) > 0) return Found();
  Found partner;
  if (auto dry = dry_by_pair_key_.find(pair_key); dry != dry_by_pair_key_.end()) {
    partner = run_captures_.at(dry->second).row;
  } else {
    auto known = journal_.capture_by_pair_key(pair_key);
    if (!known.ok()) return known.take_error();
    partner = *known;
  }
  if (!partner || taken_elsewhere_.count(partner->name) > 0) return Found();
  auto has_kind = capture_has_other_of_kind(partner->name, file);
  if (!has_kind.ok()) return has_kind.take_error();
  if (*has_kind) return Found();
  auto agree = times_agree(partner->name, metadata);
  if (!agree.ok()) return agree.take_error();
  return *agree ? partner : Found();
}

Result<PlannedFile> CapturePlanner::plan(const ScannedFile& file,
                                         const media::ImageMetadata& metadata,
                                         const std::optional<catalog::FileRecord>& previous,
                                         bool dry_run) {
  dry_run_ = dry_run;
  PlannedFile planned;
  const auto role =
      file.kind == config::SourceKind::kRaw ? media::FileRole::kRaw : media::FileRole::kEnhanced;
  planned.pair_key = file.relative.parent_path().generic_string() + "/" +
                     media::pairing_key(file.path.filename().string(), role);

  std::optional<catalog::CaptureRecordRow> capture;
  if (previous && !previous->name.empty() && forced_new_.count(file.path.string()) == 0) {
    auto known = journal_.capture_by_name(previous->name);
    if (!known.ok()) return known.take_error();
    capture = *known;
  }
  if (!capture) {
    auto partner = partner_for(file, metadata, planned.pair_key);
    if (!partner.ok()) return partner.take_error();
    capture = *partner;
  }
  if (!capture) {
    auto base = name_template_.render(media::naming_input_from(metadata, project_));
    if (!base.ok()) return base.take_error();
    auto name = media::resolve_name_collision(
        *base, metadata.sha256, [this](std::string_view candidate) { return owner_of(candidate); });
    if (!name.ok()) return name.take_error();
    claimed_.record(*name, metadata.sha256);
    // The same bytes already named a capture (a copy in another folder): join it, never replace
    // it, so its Item keeps every asset.
    if (auto dry = run_captures_.find(*name); dry_run && dry != run_captures_.end()) {
      capture = dry->second.row;
    } else if (auto existing = journal_.capture_by_name(*name); !existing.ok()) {
      return existing.take_error();
    } else {
      capture = *existing;
    }
    if (!capture) planned.name = *name;
  }

  if (capture) {
    planned.name = capture->name;
    planned.date_path = capture->date_path;
    planned.item_key = capture->item_key;
    planned.owner_sha256 = capture->owner_sha256;
    planned.claimed = capture->claimed;
    planned.new_capture = false;
  } else {
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
    planned.owner_sha256 = metadata.sha256;
  }
  return finish(std::move(planned), file, metadata, dry_run);
}

Result<PlannedFile> CapturePlanner::finish(PlannedFile planned, const ScannedFile& file,
                                           const media::ImageMetadata& metadata, bool dry_run) {
  auto key = media::object_key(prefix_, folder_of(file.kind), date_of(planned.date_path),
                               planned.name, extension_of(file.path));
  if (!key.ok()) return key.take_error();
  planned.object_key = *key;
  planned.claim_key =
      (prefix_.empty() ? "" : prefix_ + "/") + "claims/" + planned.date_path + "/" + planned.name;

  catalog::CaptureRecordRow row;
  row.name = planned.name;
  row.pair_key = planned.pair_key;
  row.owner_sha256 = planned.owner_sha256;
  row.item_key = planned.item_key;
  row.date_path = planned.date_path;
  RunCapture& in_run = run_captures_[planned.name];
  if (planned.new_capture) in_run.row = row;
  if (!has_own_time(in_run.captured_at)) in_run.captured_at = metadata.captured_at;
  in_run.paths_by_kind.emplace(file.kind, file.path.string());
  if (dry_run) {
    if (planned.new_capture) dry_by_pair_key_.emplace(planned.pair_key, planned.name);
    return planned;
  }
  if (planned.new_capture) {
    if (Status ok = journal_.upsert_capture(row); !ok.ok()) return ok.error();
  }
  return planned;
}

void CapturePlanner::journalled(const std::string& name, const ScannedFile& file) {
  if (dry_run_) return;
  auto planned = run_captures_.find(name);
  if (planned == run_captures_.end()) return;
  auto& paths = planned->second.paths_by_kind;
  if (auto held = paths.find(file.kind);
      held != paths.end() && held->second == file.path.string()) {
    paths.erase(held);
  }
  if (!paths.empty()) return;  // another file of the capture is not journalled yet
  run_captures_.erase(planned);
  claimed_.forget(name);  // the journal's capture names its owner
}

Status CapturePlanner::release_name(const PlannedFile& planned, const ScannedFile& file) {
  taken_elsewhere_.insert(planned.name);
  forced_new_.insert(file.path.string());
  if (!planned.new_capture) return {};
  run_captures_.erase(planned.name);
  auto members = journal_.files_of_capture(planned.name);
  if (!members.ok()) return members.error();
  for (const auto& member : *members) {
    if (member.path != file.path.string()) return {};
  }
  return journal_.remove_capture(planned.name);
}

}  // namespace imgsync::app
