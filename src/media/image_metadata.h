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

// Where a capture time came from. Inside the image the order below is the precedence (strongest
// first, src/media/README.md); sidecars override it, the mtime is the last resort.
enum class CaptureTimeSource {
  kExifDateTimeOriginal,     // Exif.Photo.DateTimeOriginal (also CR3 CMT2, X3F's EXIF)
  kXmpDateTimeOriginal,      // Xmp.exif.DateTimeOriginal
  kIptcDateCreated,          // Iptc.Application2.DateCreated + TimeCreated (with its offset)
  kXmpPhotoshopDateCreated,  // Xmp.photoshop.DateCreated
  kExifCreateDate,           // Exif.Photo.DateTimeDigitized (exiftool: CreateDate)
  kXmpCreateDate,            // Xmp.xmp.CreateDate
  kMakerNote,                // a maker note or vendor block (Reconyx, FLIR, PictureInfo)
  kContainer,                // the container's own time (QuickTime/ISO BMFF mvhd, X3F TIME)
  kSidecar,                  // an XMP or JSON sidecar next to the image
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

  bool operator==(const CaptureTime&) const = default;

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

  bool operator==(const GpsPosition&) const = default;
};

// DJI and other drones write these into XMP (drone-dji:...).
struct DroneInfo {
  std::optional<double> relative_altitude;
  std::optional<double> gimbal_pitch, gimbal_yaw, gimbal_roll;
  std::optional<double> flight_pitch, flight_yaw, flight_roll;

  bool operator==(const DroneInfo&) const = default;
};

// How much of the image's own metadata could be read. Sync archives every file whatever this
// says; a file that is not kComplete carries metadata_error (and imgsync:metadata_error in its
// Item).
enum class MetadataReadStatus {
  kComplete,  // every block present was read (or the image simply has none)
  kPartial,   // some block (EXIF, XMP, IPTC, maker notes, the container) failed; the rest was read
  kUnreadable,  // nothing could be read: unknown format, or every block failed. Size, SHA-256,
                // the sniffed MIME (else one from the extension) and the mtime are still filled
};
const char* to_string(MetadataReadStatus status);

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
  MetadataReadStatus read_status = MetadataReadStatus::kComplete;
  // Why some or all of the metadata could not be read: empty when kComplete, else one
  // "block: reason" per failure joined by "; " (e.g. "EXIF: the TIFF structure is cut off;
  // sidecar: ..."). The file is archived all the same; its Item says so (imgsync:metadata_error).
  std::string metadata_error;

  bool operator==(const ImageMetadata&) const = default;
};

}  // namespace imgsync::media
