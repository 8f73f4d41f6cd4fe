// Capture times in vendor blocks Exiv2 0.27 does not decode: the Reconyx HyperFire maker note
// (trail cameras), the "[picture info]" APP segment of early Olympus/Sanyo cameras, and the
// seconds-since-1970 clocks of X3F and PictureInfo. All of them are the camera's local wall-clock
// time with no zone: the offset stays unknown.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "media/image_metadata.h"

namespace imgsync::media {

// The raw bytes of Exif.Photo.MakerNote when Exiv2 left it undecoded; nullopt when it is not a
// format we know or its date is implausible. Source kMakerNote.
std::optional<CaptureTime> read_undecoded_maker_note_time(std::string_view maker_note);

// An APP segment's payload with "[picture info]" near its start (after a vendor name) and a
// "TimeDate=<seconds>" line.
std::optional<CaptureTime> read_picture_info_time(std::string_view segment);

// Seconds since 1970 as wall-clock fields (the clocks that store them count local time as if it
// were UTC, like exiftool's ConvertUnixTime); offset unknown. nullopt when implausible.
std::optional<CaptureTime> wall_clock_from_epoch_seconds(std::int64_t seconds,
                                                         CaptureTimeSource source);

}  // namespace imgsync::media
