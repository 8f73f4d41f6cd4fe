#include "media/metadata_json.h"

#include "media/metadata_text.h"

namespace imgsync::media {

namespace {

using nlohmann::json;

template <typename T>
json optional_json(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json text_or_null(const std::string& text) {
  return text.empty() ? json(nullptr) : json(to_valid_utf8(text));
}

json drone_json(const std::optional<DroneInfo>& drone) {
  if (!drone) return nullptr;
  return json{{"relative_altitude", optional_json(drone->relative_altitude)},
              {"gimbal_pitch", optional_json(drone->gimbal_pitch)},
              {"gimbal_yaw", optional_json(drone->gimbal_yaw)},
              {"gimbal_roll", optional_json(drone->gimbal_roll)},
              {"flight_pitch", optional_json(drone->flight_pitch)},
              {"flight_yaw", optional_json(drone->flight_yaw)},
              {"flight_roll", optional_json(drone->flight_roll)}};
}

// Every key of the shape, all null: the starting point for both successes and failures.
json empty_record(const std::string& path) {
  return json{{"path", to_valid_utf8(path)},
              {"mime", nullptr},
              {"width", nullptr},
              {"height", nullptr},
              {"orientation", nullptr},
              {"captured_at", nullptr},
              {"captured_at_source", nullptr},
              {"offset_known", nullptr},
              {"gps", nullptr},
              {"gps_timestamp", nullptr},
              {"image_direction", nullptr},
              {"camera", nullptr},
              {"tags", nullptr},
              {"drone", nullptr},
              {"sha256", nullptr},
              {"bytes", nullptr},
              {"metadata_status", nullptr},
              {"metadata_error", nullptr},
              {"error", nullptr}};
}

}  // namespace

json metadata_to_json(const ImageMetadata& metadata) {
  json record = empty_record(metadata.path);
  record["mime"] = text_or_null(metadata.mime);
  record["width"] = optional_json(metadata.width);
  record["height"] = optional_json(metadata.height);
  record["orientation"] = metadata.orientation;
  if (metadata.captured_at) {
    record["captured_at"] = metadata.captured_at->to_rfc3339();
    record["captured_at_source"] = to_string(metadata.captured_at->source);
    record["offset_known"] = metadata.captured_at->offset_known();
  }
  if (metadata.gps) {
    record["gps"] = json{{"lat", metadata.gps->latitude},
                         {"lon", metadata.gps->longitude},
                         {"alt", optional_json(metadata.gps->altitude)}};
  }
  record["gps_timestamp"] = optional_json(metadata.gps_timestamp);
  record["image_direction"] = optional_json(metadata.image_direction);
  record["camera"] = json{{"make", text_or_null(metadata.make)},
                          {"model", text_or_null(metadata.model)},
                          {"lens", text_or_null(metadata.lens)},
                          {"serial", text_or_null(metadata.serial)}};
  json tags = json::array();
  for (const std::string& tag : metadata.tags) tags.push_back(to_valid_utf8(tag));
  record["tags"] = std::move(tags);
  record["drone"] = drone_json(metadata.drone);
  record["sha256"] = text_or_null(metadata.sha256);
  record["bytes"] = metadata.bytes;
  record["metadata_status"] = to_string(metadata.read_status);
  record["metadata_error"] = text_or_null(metadata.metadata_error);
  return record;
}

json metadata_error_to_json(const std::string& path, const Error& error) {
  json record = empty_record(path);
  record["error"] = to_valid_utf8(error.message);
  return record;
}

}  // namespace imgsync::media
