// FLIR thermal cameras (and the FLIR One for phones) keep the capture time and position in their
// own FFF records, split over "FLIR" APP1 segments of the JPEG; Exiv2 0.27 does not read them.
// Layout as in exiftool's FLIR.pm: a 64-byte header, a directory of 32-byte record entries.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "media/byte_reader.h"
#include "media/capture_time_parser.h"
#include "media/maker_note_times.h"
#include "media/raw_block_readers.h"

namespace imgsync::media {

namespace {

constexpr std::uint16_t kCameraInfoRecord = 0x20;
constexpr std::uint16_t kGpsInfoRecord = 0x2b;
constexpr std::size_t kCameraInfoDateTime = 0x384;
constexpr std::uint32_t kMaxRecords = 1024;

// CameraInfo's DateTimeOriginal: seconds since 1970 (UTC), milliseconds, and the zone in minutes
// west of UTC. The local time is UTC minus the zone.
std::optional<CaptureTime> camera_info_time(std::string_view record, bool big_endian) {
  ByteReader reader(record, big_endian);
  if (const auto order = reader.u16(0); order && *order >= 0x0100) {
    reader.set_big_endian(!big_endian);
  }
  const auto seconds = reader.u32(kCameraInfoDateTime);
  const auto subseconds = reader.u32(kCameraInfoDateTime + 4);
  const auto zone = reader.u16(kCameraInfoDateTime + 8);
  if (!seconds || !subseconds || !zone) return std::nullopt;
  const int minutes_west = static_cast<std::int16_t>(*zone);
  if (minutes_west < -18 * 60 || minutes_west > 18 * 60) return std::nullopt;
  auto time = wall_clock_from_epoch_seconds(
      static_cast<std::int64_t>(*seconds) - std::int64_t{minutes_west} * 60,
      CaptureTimeSource::kMakerNote);
  if (!time) return std::nullopt;
  time->utc_offset_minutes = -minutes_west;
  const int milliseconds = static_cast<int>(*subseconds & 0xffff);
  if (milliseconds < 1000) time->millisecond = milliseconds;
  return time;
}

// GPSInfo, always little-endian: valid flag, then signed decimal degrees and the altitude.
std::optional<GpsPosition> gps_info(std::string_view record) {
  const ByteReader reader(record, false);
  const auto valid = reader.u32(0);
  const auto latitude = reader.f64(0x10), longitude = reader.f64(0x18);
  const auto altitude = reader.f32(0x20);
  if (!valid || *valid != 1 || !latitude || !longitude) return std::nullopt;
  if (!std::isfinite(*latitude) || !std::isfinite(*longitude) || std::abs(*latitude) > 90 ||
      std::abs(*longitude) > 180) {
    return std::nullopt;
  }
  GpsPosition position{*latitude, *longitude, std::nullopt};
  if (altitude && std::isfinite(*altitude)) position.altitude = static_cast<double>(*altitude);
  return position;
}

}  // namespace

Result<MetadataLayer> read_flir_fff_layer(std::string_view fff) {
  if (fff.size() < 0x40 || (fff.substr(0, 4) != std::string_view("FFF\0", 4) &&
                            fff.substr(0, 4) != std::string_view("AFF\0", 4))) {
    return make_error(ErrorCategory::kInvalidInput, "FLIR: no FFF header");
  }
  // The byte order is the one in which the format version reads 100..199.
  const auto version_reads_right = [&](bool big_endian) {
    const auto version = ByteReader(fff, big_endian).u32(0x14);
    return version && *version >= 100 && *version < 200;
  };
  const bool big_endian = version_reads_right(true);
  if (!big_endian && !version_reads_right(false)) {
    return make_error(ErrorCategory::kInvalidInput, "FLIR: unsupported FFF version");
  }
  const ByteReader reader(fff, big_endian);
  const std::uint32_t directory = *reader.u32(0x18);
  const std::uint32_t count = *reader.u32(0x1c);
  if (count > kMaxRecords || !reader.slice(directory, std::size_t{count} * 0x20)) {
    return make_error(ErrorCategory::kInvalidInput, "FLIR: the record directory is cut off");
  }
  MetadataLayer layer;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t entry = std::size_t{directory} + std::size_t{i} * 0x20;
    const auto type = reader.u16(entry);
    const auto offset = reader.u32(entry + 0x0c), length = reader.u32(entry + 0x10);
    if (!type || !offset || !length) continue;
    const auto record = reader.slice(*offset, *length);
    if (!record) continue;
    if (*type == kCameraInfoRecord) {
      if (auto time = camera_info_time(*record, big_endian)) layer.time_candidates.push_back(*time);
    } else if (*type == kGpsInfoRecord && !layer.gps) {
      layer.gps = gps_info(*record);
    }
  }
  return layer;
}

}  // namespace imgsync::media
