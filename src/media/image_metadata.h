// What imgsync knows about one image file: when, where, by what, and what it is.
// Produced by media/metadata_extractor (Exiv2 + sidecars), consumed by naming, the STAC Item
// builder, the journal and the search index.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace imgsync::media {

enum class CaptureTimeSource {
  kExifDateTimeOriginal,  // Exif.Photo.DateTimeOriginal
  kExifCreateDate,        // Exif.Photo.DateTimeDigitized (exiftool: CreateDate)
  kXmpDateTimeOriginal,   // Xmp.exif.DateTimeOriginal
  kXmpCreateDate,         // Xmp.xmp.CreateDate
  kSidecar,               // an XMP or JSON sidecar next to the image
  kFileModificationTime,  // nothing in the file: the file's mtime (UTC offset known: the system's)
};
const char* to_string(CaptureTimeSource source);

// A capture time as the camera wrote it: local wall-clock fields plus the UTC offset when known.
// Never invent UTC: without an offset the time stays local and offset_known is false.
struct CaptureTime {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::optional<int> millisecond;         // from SubSecTimeOriginal etc. when present
  std::optional<int> utc_offset_minutes;  // e.g. +120 for +02:00; nullopt: unknown
  CaptureTimeSource source = CaptureTimeSource::kFileModificationTime;

  bool offset_known() const { return utc_offset_minutes.has_value(); }
  // RFC 3339: "2026-05-03T14:22:05+02:00" when the offset is known, "2026-05-03T14:22:05"
  // (local, no designator) when it is not. Milliseconds appear when known.
  std::string to_rfc3339() const;
  // The instant in UTC; only when the offset is known.
  std::optional<std::chrono::sys_seconds> utc() const;
};

struct GpsPosition {
  double latitude = 0;             // signed decimal degrees, north positive
  double longitude = 0;            // signed decimal degrees, east positive
  std::optional<double> altitude;  // metres above sea level, negative below
};

// DJI and other drones write these into XMP (drone-dji:...).
struct DroneInfo {
  std::optional<double> relative_altitude;
  std::optional<double> gimbal_pitch, gimbal_yaw, gimbal_roll;
  std::optional<double> flight_pitch, flight_yaw, flight_roll;
};

struct ImageMetadata {
  std::string path;
  std::string
      mime;  // by content, not by extension: "image/jpeg", "image/heic", "image/x-canon-cr3"
  std::optional<int> width, height;  // pixels as stored (before orientation is applied)
  int orientation = 1;               // EXIF orientation 1..8; 1 when absent
  std::optional<CaptureTime> captured_at;
  std::optional<GpsPosition> gps;
  std::optional<std::string> gps_timestamp;  // RFC 3339 UTC from GPSDateStamp + GPSTimeStamp
  std::optional<double> image_direction;     // degrees, GPSImgDirection
  std::string make, model, lens, serial;     // trimmed; empty when absent
  std::vector<std::string> tags;             // XMP dc:subject, IPTC keywords; deduplicated
  std::optional<DroneInfo> drone;
  std::string sha256;  // hex of the whole file
  std::uint64_t bytes = 0;
  // Why some or all of the metadata could not be read (empty: all of it was). The file is
  // archived all the same; its Item says so (imgsync:metadata_error).
  std::string metadata_error;
};

}  // namespace imgsync::media
