#include "media/image_metadata.h"

#include <cstdio>
#include <cstdlib>

namespace imgsync::media {

const char* to_string(CaptureTimeSource source) {
  // The same identifiers as the STAC Items' imgsync:captured_at_source, so `imgsync meta` and the
  // bucket speak one vocabulary.
  switch (source) {
    case CaptureTimeSource::kExifDateTimeOriginal:
      return "exif:DateTimeOriginal";
    case CaptureTimeSource::kExifCreateDate:
      return "exif:CreateDate";
    case CaptureTimeSource::kXmpDateTimeOriginal:
      return "xmp:DateTimeOriginal";
    case CaptureTimeSource::kXmpCreateDate:
      return "xmp:CreateDate";
    case CaptureTimeSource::kIptcDateCreated:
      return "iptc:DateCreated";
    case CaptureTimeSource::kXmpPhotoshopDateCreated:
      return "photoshop:DateCreated";
    case CaptureTimeSource::kMakerNote:
      return "makernote";
    case CaptureTimeSource::kContainer:
      return "container";
    case CaptureTimeSource::kSidecar:
      return "sidecar";
    case CaptureTimeSource::kFileModificationTime:
      return "file:mtime";
  }
  return "unknown";
}

const char* to_string(MetadataReadStatus status) {
  switch (status) {
    case MetadataReadStatus::kComplete:
      return "complete";
    case MetadataReadStatus::kPartial:
      return "partial";
    case MetadataReadStatus::kUnreadable:
      return "unreadable";
  }
  return "unknown";
}

std::string CaptureTime::to_rfc3339() const {
  char buffer[64];
  int length = std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d", year, month,
                             day, hour, minute, second);
  std::string text(buffer, static_cast<std::size_t>(length));
  if (millisecond) {
    length = std::snprintf(buffer, sizeof buffer, ".%03d", *millisecond);
    text.append(buffer, static_cast<std::size_t>(length));
  }
  if (utc_offset_minutes) {
    const int magnitude = std::abs(*utc_offset_minutes);
    length = std::snprintf(buffer, sizeof buffer, "%c%02d:%02d",
                           *utc_offset_minutes < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
    text.append(buffer, static_cast<std::size_t>(length));
  }
  return text;
}

std::optional<std::chrono::sys_seconds> CaptureTime::utc() const {
  if (!utc_offset_minutes) return std::nullopt;
  using namespace std::chrono;
  const year_month_day date{std::chrono::year{year},
                            std::chrono::month{static_cast<unsigned>(month)},
                            std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  return sys_days{date} + hours{hour} + minutes{minute} + seconds{second} -
         minutes{*utc_offset_minutes};
}

}  // namespace imgsync::media
