// Parsing of the date/time strings cameras and editors write, into CaptureTime. Strict about what
// a valid date is (blank, all-zero and impossible dates are "absent"), tolerant about the spelling.
#pragma once

#include <optional>
#include <string_view>

#include "media/image_metadata.h"

namespace imgsync::media {

// Exif ("2026:05:03 14:22:05") and XMP/ISO 8601 ("2026-05-03T14:22:05.120+02:00") spellings:
// date separators ':' '-' '/' '.', date and time separated by ' ' or 'T', seconds optional,
// optional fraction, optional zone ("Z", "+02:00", "+0200"). Trailing NULs and spaces are ignored.
// A date without a time is not a capture time: nullopt. The source field is left at its default.
std::optional<CaptureTime> parse_capture_time(std::string_view text);

// Exif OffsetTime* ("+02:00", "-05:30", also "+0200" and "Z"); nullopt when blank or impossible.
std::optional<int> parse_utc_offset_minutes(std::string_view text);

// Exif SubSecTime* ("054" → 54 ms, "5" → 500 ms); nullopt when blank or not digits.
std::optional<int> parse_subsecond_milliseconds(std::string_view text);

// A real calendar date and clock time, year 1800..9999 (nothing was photographed earlier; zeroed
// and garbage dates land outside), offset within ±18 h.
bool is_plausible_capture_time(const CaptureTime& time);

}  // namespace imgsync::media
