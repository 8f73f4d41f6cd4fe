#include "media/stac_item.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "media/image_metadata.h"
#include "media/naming.h"
#include "media/object_keys.h"

namespace imgsync::media {
namespace {

using json = nlohmann::json;
using Milliseconds = std::chrono::sys_time<std::chrono::milliseconds>;

// UTC-12:00 (Baker Island) and UTC+14:00 (Line Islands) are the extremes of civil time.
constexpr std::chrono::hours kMaxOffsetEast{14};
constexpr std::chrono::hours kMaxOffsetWest{12};

// nlohmann::json throws on invalid UTF-8 when dumping; EXIF strings and file names are bytes.
// Invalid sequences become U+FFFD so an odd camera string can never break an upload.
std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80             ? 1
                         : (lead & 0xE0) == 0xC0 ? 2
                         : (lead & 0xF0) == 0xE0 ? 3
                         : (lead & 0xF8) == 0xF0 ? 4
                                                 : 0;
    bool ok = length != 0 && i + length <= text.size();
    char32_t cp = length == 1   ? lead
                  : length == 2 ? lead & 0x1F
                  : length == 3 ? lead & 0x0F
                                : lead & 0x07;
    for (std::size_t k = 1; ok && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      ok = (next & 0xC0) == 0x80;
      cp = (cp << 6) | (next & 0x3F);
    }
    constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    ok = ok && cp >= kMinimum[length] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    if (ok) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string ascii_lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

bool is_sha256_hex(std::string_view hex) {
  if (hex.size() != 64) return false;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

// The wall-clock fields read as if they were UTC; subtracting the offset gives the instant.
Milliseconds wall_clock_as_utc(const CaptureTime& time) {
  using namespace std::chrono;
  const sys_days date = year{time.year} / month{static_cast<unsigned>(time.month)} /
                        day{static_cast<unsigned>(time.day)};
  return date + hours{time.hour} + minutes{time.minute} + seconds{time.second} +
         milliseconds{time.millisecond.value_or(0)};
}

std::string format_instant(Milliseconds instant, bool with_milliseconds) {
  using namespace std::chrono;
  const sys_days date = floor<days>(instant);
  const year_month_day ymd{date};
  const hh_mm_ss clock{instant - date};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(clock.hours().count()),
                int(clock.minutes().count()), int(clock.seconds().count()));
  std::string text = buffer;
  if (with_milliseconds) {
    std::snprintf(buffer, sizeof buffer, ".%03d", int(clock.subseconds().count()));
    text += buffer;
  }
  return text + "Z";
}

std::string local_datetime(const CaptureTime& time) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d", time.year, time.month,
                time.day, time.hour, time.minute, time.second);
  std::string text = buffer;
  if (time.millisecond) {
    std::snprintf(buffer, sizeof buffer, ".%03d", *time.millisecond);
    text += buffer;
  }
  return text;
}

std::string format_offset(int minutes) {
  char buffer[16];
  const int magnitude = std::abs(minutes);
  std::snprintf(buffer, sizeof buffer, "%c%02d:%02d", minutes < 0 ? '-' : '+', magnitude / 60,
                magnitude % 60);
  return buffer;
}

bool valid_time(const CaptureTime& time) {
  if (!has_valid_calendar_fields(time)) return false;
  if (time.millisecond && (*time.millisecond < 0 || *time.millisecond > 999)) return false;
  // Real offsets lie within -12:00..+14:00; allow a margin for odd camera settings, not more.
  return !time.utc_offset_minutes || std::abs(*time.utc_offset_minutes) <= 18 * 60;
}

void add_time_properties(const CaptureTime& time, json& properties) {
  const Milliseconds wall_clock = wall_clock_as_utc(time);
  const bool with_ms = time.millisecond.has_value();
  properties["imgsync:local_datetime"] = local_datetime(time);
  properties["imgsync:offset_known"] = time.offset_known();
  if (time.offset_known()) {
    properties["datetime"] =
        format_instant(wall_clock - std::chrono::minutes{*time.utc_offset_minutes}, with_ms);
    properties["imgsync:utc_offset"] = format_offset(*time.utc_offset_minutes);
  } else {
    properties["datetime"] = nullptr;
    properties["start_datetime"] = format_instant(wall_clock - kMaxOffsetEast, with_ms);
    properties["end_datetime"] = format_instant(wall_clock + kMaxOffsetWest, with_ms);
  }
  properties["imgsync:captured_at_source"] = stac_capture_time_source(time.source);
}

void set_if_finite(json& properties, const char* field, const std::optional<double>& value) {
  if (value && std::isfinite(*value)) properties[field] = *value;
}

void add_camera_properties(const ImageMetadata& metadata, json& properties) {
  if (!metadata.make.empty()) {
    properties["platform"] = valid_utf8(ascii_lower(metadata.make));
    properties["imgsync:make"] = valid_utf8(metadata.make);
  }
  if (!metadata.model.empty()) {
    properties["instruments"] = json::array({valid_utf8(ascii_lower(metadata.model))});
    properties["imgsync:model"] = valid_utf8(metadata.model);
  }
  if (!metadata.lens.empty()) properties["imgsync:lens"] = valid_utf8(metadata.lens);
  if (metadata.width) properties["imgsync:width"] = *metadata.width;
  if (metadata.height) properties["imgsync:height"] = *metadata.height;
  properties["imgsync:orientation"] = metadata.orientation;
  if (!metadata.mime.empty()) properties["imgsync:mime"] = valid_utf8(metadata.mime);
  if (!metadata.metadata_error.empty()) {
    properties["imgsync:metadata_error"] = valid_utf8(metadata.metadata_error);
  }
  if (!metadata.tags.empty()) {
    json tags = json::array();
    for (const std::string& tag : metadata.tags) tags.push_back(valid_utf8(tag));
    properties["imgsync:tags"] = tags;
    properties["keywords"] = tags;  // the STAC 1.1 common field, harmless under 1.0
  }
  if (metadata.gps_timestamp) {
    properties["imgsync:gps_datetime"] = valid_utf8(*metadata.gps_timestamp);
  }
  set_if_finite(properties, "imgsync:image_direction", metadata.image_direction);
  if (metadata.drone) {
    const DroneInfo& drone = *metadata.drone;
    set_if_finite(properties, "imgsync:relative_altitude", drone.relative_altitude);
    set_if_finite(properties, "imgsync:gimbal_pitch", drone.gimbal_pitch);
    set_if_finite(properties, "imgsync:gimbal_yaw", drone.gimbal_yaw);
    set_if_finite(properties, "imgsync:gimbal_roll", drone.gimbal_roll);
    set_if_finite(properties, "imgsync:flight_pitch", drone.flight_pitch);
    set_if_finite(properties, "imgsync:flight_yaw", drone.flight_yaw);
    set_if_finite(properties, "imgsync:flight_roll", drone.flight_roll);
  }
}

// GeoJSON Point and bbox, or null geometry and no bbox (the spec forbids a bbox then).
void add_geometry(const std::optional<GpsPosition>& gps, json& item) {
  const bool usable = gps && std::isfinite(gps->latitude) && std::isfinite(gps->longitude) &&
                      std::abs(gps->latitude) <= 90 && std::abs(gps->longitude) <= 180;
  if (!usable) {
    item["geometry"] = nullptr;
    return;
  }
  json coordinates = json::array({gps->longitude, gps->latitude});
  if (gps->altitude && std::isfinite(*gps->altitude)) {
    coordinates.push_back(*gps->altitude);
    item["bbox"] = json::array({gps->longitude, gps->latitude, *gps->altitude, gps->longitude,
                                gps->latitude, *gps->altitude});
  } else {
    item["bbox"] = json::array({gps->longitude, gps->latitude, gps->longitude, gps->latitude});
  }
  item["geometry"] = {{"type", "Point"}, {"coordinates", coordinates}};
}

Result<json> make_asset(const std::string& item_key, const AssetInfo& asset, const char* title,
                        const char* role) {
  if (!is_safe_key(asset.key)) {
    return make_error(ErrorCategory::kInvalidInput,
                      "asset key \"" + valid_utf8(asset.key) + "\" is not a safe object key");
  }
  if (!is_sha256_hex(asset.sha256)) {
    return make_error(ErrorCategory::kInvalidInput,
                      "asset \"" + asset.key + "\" has no sha256 (64 hex digits)");
  }
  json entry = {{"href", relative_href(item_key, asset.key)},
                {"title", title},
                {"roles", json::array({role})},
                {"file:size", asset.bytes},
                {"file:checksum", "1220" + ascii_lower(asset.sha256)}};
  if (!asset.mime.empty()) entry["type"] = valid_utf8(asset.mime);
  return entry;
}

}  // namespace

const char* stac_capture_time_source(CaptureTimeSource source) {
  return to_string(source);
}

std::string format_utc_timestamp(std::chrono::sys_seconds time) {
  return format_instant(std::chrono::time_point_cast<std::chrono::milliseconds>(time), false);
}

Status add_stac_asset(nlohmann::json& item, const std::string& item_key, const std::string& slot,
                      const AssetInfo& asset) {
  const char* title = slot == "raw"         ? "Original capture"
                      : slot == "enhanced"  ? "Processed image"
                      : slot == "thumbnail" ? "Thumbnail"
                                            : nullptr;
  if (title == nullptr) {
    return make_error(ErrorCategory::kInvalidInput, "unknown asset slot \"" + slot + "\"");
  }
  auto entry = make_asset(item_key, asset, title, slot == "thumbnail" ? "thumbnail" : "data");
  if (!entry.ok()) return entry.take_error();
  item["assets"][slot] = std::move(*entry);
  item["stac_extensions"] = json::array({kFileExtensionSchema});
  return {};
}

Result<nlohmann::json> build_stac_item(const CaptureRecord& record) {
  if (!is_safe_name(record.name)) {
    return make_error(ErrorCategory::kInvalidInput,
                      "\"" + valid_utf8(record.name) + "\" is not a valid Item id");
  }
  for (const std::string* key : {&record.item_key, &record.catalog_key}) {
    if (!is_safe_key(*key)) {
      return make_error(ErrorCategory::kInvalidInput,
                        "\"" + valid_utf8(*key) + "\" is not a safe object key");
    }
  }
  const ImageMetadata& primary = record.primary;
  if (!primary.captured_at || !valid_time(*primary.captured_at)) {
    return make_error(
        ErrorCategory::kInvalidInput,
        "no valid capture time for \"" + valid_utf8(primary.path) + "\": an Item needs one");
  }

  json properties = json::object();
  add_time_properties(*primary.captured_at, properties);
  properties["created"] = format_utc_timestamp(record.created);
  const std::string file_name = std::filesystem::path(primary.path).filename().string();
  if (!file_name.empty()) properties["title"] = valid_utf8(file_name);
  add_camera_properties(primary, properties);
  if (primary.read_status != MetadataReadStatus::kComplete) {
    // The file is archived anyway; the Item says how much of its metadata could be read (what
    // failed is imgsync:metadata_error, with the camera properties).
    properties["imgsync:metadata_status"] = to_string(primary.read_status);
  }

  json assets = json::object();
  struct Slot {
    const std::optional<AssetInfo>& asset;
    const char* id;
    const char* title;
    const char* role;
  };
  for (const Slot& slot : {Slot{record.raw, "raw", "Original capture", "data"},
                           Slot{record.enhanced, "enhanced", "Processed image", "data"},
                           Slot{record.thumbnail, "thumbnail", "Thumbnail", "thumbnail"}}) {
    if (!slot.asset) continue;
    auto asset = make_asset(record.item_key, *slot.asset, slot.title, slot.role);
    if (!asset.ok()) return asset.take_error();
    assets[slot.id] = std::move(*asset);
  }

  json links = json::array();
  links.push_back({{"rel", "root"},
                   {"href", relative_href(record.item_key, record.catalog_key)},
                   {"type", "application/json"}});
  if (record.self_href) {
    links.push_back({{"rel", "self"},
                     {"href", valid_utf8(*record.self_href)},
                     {"type", "application/geo+json"}});
  }

  json item = {{"type", "Feature"},         {"stac_version", kStacVersion},
               {"id", record.name},         {"properties", std::move(properties)},
               {"links", std::move(links)}, {"assets", std::move(assets)}};
  if (!item["assets"].empty()) item["stac_extensions"] = json::array({kFileExtensionSchema});
  add_geometry(primary.gps, item);
  return item;
}

}  // namespace imgsync::media
