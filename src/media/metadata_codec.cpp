#include "media/metadata_codec.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include <nlohmann/json.hpp>

namespace imgsync::media {

namespace {

using nlohmann::json;

// Doubles travel as their bit pattern: a text round trip could change the last digit.
std::uint64_t bits_of(double value) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

double double_of(std::uint64_t bits) {
  double value = 0;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

json optional_double(const std::optional<double>& value) {
  return value ? json(bits_of(*value)) : json(nullptr);
}

std::optional<double> read_double(const json& value) {
  if (value.is_null()) return std::nullopt;
  return double_of(value.get<std::uint64_t>());
}

template <typename T>
json optional_value(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

template <typename T>
std::optional<T> read_optional(const json& value) {
  if (value.is_null()) return std::nullopt;
  return value.get<T>();
}

json time_json(const CaptureTime& time) {
  return json::array({time.year, time.month, time.day, time.hour, time.minute, time.second,
                      optional_value(time.millisecond), optional_value(time.utc_offset_minutes),
                      static_cast<int>(time.source)});
}

CaptureTime read_time(const json& value) {
  CaptureTime time;
  time.year = value.at(0);
  time.month = value.at(1);
  time.day = value.at(2);
  time.hour = value.at(3);
  time.minute = value.at(4);
  time.second = value.at(5);
  time.millisecond = read_optional<int>(value.at(6));
  time.utc_offset_minutes = read_optional<int>(value.at(7));
  time.source = static_cast<CaptureTimeSource>(value.at(8).get<int>());
  return time;
}

json drone_json(const DroneInfo& drone) {
  return json::array({optional_double(drone.relative_altitude), optional_double(drone.gimbal_pitch),
                      optional_double(drone.gimbal_yaw), optional_double(drone.gimbal_roll),
                      optional_double(drone.flight_pitch), optional_double(drone.flight_yaw),
                      optional_double(drone.flight_roll)});
}

DroneInfo read_drone(const json& value) {
  DroneInfo drone;
  drone.relative_altitude = read_double(value.at(0));
  drone.gimbal_pitch = read_double(value.at(1));
  drone.gimbal_yaw = read_double(value.at(2));
  drone.gimbal_roll = read_double(value.at(3));
  drone.flight_pitch = read_double(value.at(4));
  drone.flight_yaw = read_double(value.at(5));
  drone.flight_roll = read_double(value.at(6));
  return drone;
}

json metadata_json(const ImageMetadata& m) {
  json gps = nullptr;
  if (m.gps) {
    gps = json::array(
        {bits_of(m.gps->latitude), bits_of(m.gps->longitude), optional_double(m.gps->altitude)});
  }
  return json{{"path", m.path},
              {"mime", m.mime},
              {"width", optional_value(m.width)},
              {"height", optional_value(m.height)},
              {"orientation", m.orientation},
              {"captured_at", m.captured_at ? time_json(*m.captured_at) : json(nullptr)},
              {"gps", gps},
              {"gps_timestamp", optional_value(m.gps_timestamp)},
              {"image_direction", optional_double(m.image_direction)},
              {"camera", json::array({m.make, m.model, m.lens, m.serial})},
              {"tags", m.tags},
              {"drone", m.drone ? drone_json(*m.drone) : json(nullptr)},
              {"sha256", m.sha256},
              {"bytes", m.bytes},
              {"read_status", static_cast<int>(m.read_status)},
              {"metadata_error", m.metadata_error}};
}

ImageMetadata read_metadata(const json& value) {
  ImageMetadata m;
  m.path = value.at("path");
  m.mime = value.at("mime");
  m.width = read_optional<int>(value.at("width"));
  m.height = read_optional<int>(value.at("height"));
  m.orientation = value.at("orientation");
  if (!value.at("captured_at").is_null()) m.captured_at = read_time(value.at("captured_at"));
  if (const json& gps = value.at("gps"); !gps.is_null()) {
    m.gps = GpsPosition{double_of(gps.at(0)), double_of(gps.at(1)), read_double(gps.at(2))};
  }
  m.gps_timestamp = read_optional<std::string>(value.at("gps_timestamp"));
  m.image_direction = read_double(value.at("image_direction"));
  const json& camera = value.at("camera");
  m.make = camera.at(0);
  m.model = camera.at(1);
  m.lens = camera.at(2);
  m.serial = camera.at(3);
  m.tags = value.at("tags").get<std::vector<std::string>>();
  if (!value.at("drone").is_null()) m.drone = read_drone(value.at("drone"));
  m.sha256 = value.at("sha256");
  m.bytes = value.at("bytes");
  m.read_status = static_cast<MetadataReadStatus>(value.at("read_status").get<int>());
  m.metadata_error = value.at("metadata_error");
  return m;
}

json bytes_json(const std::uint8_t* data, std::size_t size) {
  return json::binary(std::vector<std::uint8_t>(data, data + size));
}

template <typename Digest>
void read_bytes(const json& value, Digest& digest) {
  const auto& bytes = value.get_binary();
  if (bytes.size() != digest.size()) throw std::runtime_error("digest size");
  std::copy(bytes.begin(), bytes.end(), digest.begin());
}

}  // namespace

std::string encode_outcome(const ExtractionOutcome& outcome) {
  json record{{"sha256", bytes_json(outcome.digests.sha256.data(), outcome.digests.sha256.size())},
              {"md5", bytes_json(outcome.digests.md5.data(), outcome.digests.md5.size())},
              {"bytes", outcome.digests.bytes}};
  if (outcome.metadata.ok()) {
    record["metadata"] = metadata_json(*outcome.metadata);
  } else {
    record["error"] = json::array(
        {static_cast<int>(outcome.metadata.error().category), outcome.metadata.error().message});
  }
  const std::vector<std::uint8_t> cbor = json::to_cbor(record);
  return std::string(cbor.begin(), cbor.end());
}

Result<ExtractionOutcome> decode_outcome(std::string_view bytes) {
  try {
    const json record = json::from_cbor(bytes.begin(), bytes.end());
    FileDigests digests;
    read_bytes(record.at("sha256"), digests.sha256);
    read_bytes(record.at("md5"), digests.md5);
    digests.bytes = record.at("bytes");
    if (record.contains("metadata")) {
      return ExtractionOutcome{read_metadata(record.at("metadata")), digests};
    }
    const json& error = record.at("error");
    return ExtractionOutcome{make_error(static_cast<ErrorCategory>(error.at(0).get<int>()),
                                        error.at(1).get<std::string>()),
                             digests};
  } catch (const std::exception& error) {
    return make_error(ErrorCategory::kFatal,
                      std::string("a metadata worker sent an unreadable result: ") + error.what());
  }
}

}  // namespace imgsync::media
