#include "media/metadata_layer.h"

#include <algorithm>

#include "media/metadata_text.h"

namespace imgsync::media {

namespace {

template <typename T>
void fill(std::optional<T>& target, const std::optional<T>& source) {
  if (!target && source) target = source;
}

template <typename T>
void replace(std::optional<T>& target, const std::optional<T>& source) {
  if (source) target = source;
}

bool same_wall_clock(const CaptureTime& a, const CaptureTime& b) {
  return a.year == b.year && a.month == b.month && a.day == b.day && a.hour == b.hour &&
         a.minute == b.minute && a.second == b.second;
}

// `time` lacks an offset and `other` has one for the same moment: take it (and its subseconds).
void adopt_offset(CaptureTime& time, const std::optional<CaptureTime>& other) {
  if (time.offset_known() || !other || !other->offset_known() || !same_wall_clock(time, *other)) {
    return;
  }
  time.utc_offset_minutes = other->utc_offset_minutes;
  if (!time.millisecond) time.millisecond = other->millisecond;
}

// The same, from the nearest (newest) of several weaker times that has an offset.
void adopt_offset(CaptureTime& time, const std::vector<CaptureTime>& others) {
  for (auto other = others.rbegin(); other != others.rend() && !time.offset_known(); ++other) {
    adopt_offset(time, std::optional<CaptureTime>(*other));
  }
}

void fill_drone(DroneInfo& target, const DroneInfo& source) {
  fill(target.relative_altitude, source.relative_altitude);
  fill(target.gimbal_pitch, source.gimbal_pitch);
  fill(target.gimbal_yaw, source.gimbal_yaw);
  fill(target.gimbal_roll, source.gimbal_roll);
  fill(target.flight_pitch, source.flight_pitch);
  fill(target.flight_yaw, source.flight_yaw);
  fill(target.flight_roll, source.flight_roll);
}

void replace_drone(DroneInfo& target, const DroneInfo& source) {
  replace(target.relative_altitude, source.relative_altitude);
  replace(target.gimbal_pitch, source.gimbal_pitch);
  replace(target.gimbal_yaw, source.gimbal_yaw);
  replace(target.gimbal_roll, source.gimbal_roll);
  replace(target.flight_pitch, source.flight_pitch);
  replace(target.flight_yaw, source.flight_yaw);
  replace(target.flight_roll, source.flight_roll);
}

void unite_tags(std::vector<std::string>& target, const std::vector<std::string>& source) {
  for (const std::string& tag : source) add_unique_tag(target, tag);
}

}  // namespace

bool has_drone_data(const DroneInfo& drone) {
  return drone.relative_altitude || drone.gimbal_pitch || drone.gimbal_yaw || drone.gimbal_roll ||
         drone.flight_pitch || drone.flight_yaw || drone.flight_roll;
}

void resolve_capture_time(MetadataLayer& layer) {
  std::vector<CaptureTime> candidates = std::move(layer.time_candidates);
  layer.time_candidates.clear();
  if (candidates.empty()) return;
  // Weakest first, so the strongest is last: it is taken, the rest stay nearest-last.
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const CaptureTime& a, const CaptureTime& b) { return a.source > b.source; });
  if (layer.captured_at) {
    layer.superseded_times.insert(layer.superseded_times.begin(), candidates.begin(),
                                  candidates.end());
    adopt_offset(*layer.captured_at, layer.superseded_times);
    return;
  }
  layer.captured_at = candidates.back();
  candidates.pop_back();
  layer.superseded_times.insert(layer.superseded_times.begin(), candidates.begin(),
                                candidates.end());
  adopt_offset(*layer.captured_at, layer.superseded_times);
}

void fill_missing(MetadataLayer& base, const MetadataLayer& fallback) {
  base.time_candidates.insert(base.time_candidates.end(), fallback.time_candidates.begin(),
                              fallback.time_candidates.end());
  // The fallback's times are weaker than the base's: they go below the base's own history.
  std::vector<CaptureTime> superseded = fallback.superseded_times;
  if (base.captured_at) {
    if (fallback.captured_at) superseded.push_back(*fallback.captured_at);
    superseded.insert(superseded.end(), base.superseded_times.begin(), base.superseded_times.end());
    adopt_offset(*base.captured_at, superseded);
  } else {
    base.captured_at = fallback.captured_at;
    superseded.insert(superseded.end(), base.superseded_times.begin(), base.superseded_times.end());
  }
  base.superseded_times = std::move(superseded);
  if (!base.gps_removed) fill(base.gps, fallback.gps);
  fill(base.gps_timestamp, fallback.gps_timestamp);
  fill(base.image_direction, fallback.image_direction);
  fill(base.make, fallback.make);
  fill(base.model, fallback.model);
  fill(base.lens, fallback.lens);
  fill(base.serial, fallback.serial);
  fill(base.width, fallback.width);
  fill(base.height, fallback.height);
  fill(base.orientation, fallback.orientation);
  unite_tags(base.tags, fallback.tags);
  fill_drone(base.drone, fallback.drone);
}

void override_with(MetadataLayer& base, const MetadataLayer& overlay) {
  if (overlay.captured_at) {
    if (base.captured_at) base.superseded_times.push_back(*base.captured_at);
    base.superseded_times.insert(base.superseded_times.end(), overlay.superseded_times.begin(),
                                 overlay.superseded_times.end());
    base.captured_at = overlay.captured_at;
    adopt_offset(*base.captured_at, base.superseded_times);
  }
  if (overlay.gps_removed) {
    base.gps.reset();
    base.gps_timestamp.reset();
    base.image_direction.reset();
    base.gps_removed = true;
  }
  if (overlay.gps) {
    base.gps = overlay.gps;
    base.gps_removed = false;
  }
  replace(base.gps_timestamp, overlay.gps_timestamp);
  replace(base.image_direction, overlay.image_direction);
  replace(base.make, overlay.make);
  replace(base.model, overlay.model);
  replace(base.lens, overlay.lens);
  replace(base.serial, overlay.serial);
  replace(base.width, overlay.width);
  replace(base.height, overlay.height);
  replace(base.orientation, overlay.orientation);
  unite_tags(base.tags, overlay.tags);
  replace_drone(base.drone, overlay.drone);
}

void apply_layer(const MetadataLayer& layer, ImageMetadata& metadata) {
  metadata.captured_at = layer.captured_at;
  metadata.gps = layer.gps;
  metadata.gps_timestamp = layer.gps_timestamp;
  metadata.image_direction = layer.image_direction;
  metadata.make = layer.make.value_or("");
  metadata.model = layer.model.value_or("");
  metadata.lens = layer.lens.value_or("");
  metadata.serial = layer.serial.value_or("");
  metadata.width = layer.width;
  metadata.height = layer.height;
  metadata.orientation = layer.orientation.value_or(1);
  metadata.tags = layer.tags;
  if (has_drone_data(layer.drone)) {
    metadata.drone = layer.drone;
  } else {
    metadata.drone.reset();
  }
}

}  // namespace imgsync::media
