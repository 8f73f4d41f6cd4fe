// Small JPEG files built byte by byte, with exactly the EXIF/XMP a test needs (an empty GPS IFD,
// a blank DateTimeOriginal, GPS at 0,0...), which no camera file shows in isolation. Exiv2 reads
// them like camera files; they are not decodable pictures (no real scan data).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace imgsync::media::testing {

struct TiffEntry {
  std::uint16_t tag = 0;
  std::uint16_t type = 0;  // TIFF type: 1 BYTE, 2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL, 7 UNDEFINED
  std::uint32_t count = 0;
  std::string data;  // little-endian value bytes
};

TiffEntry ascii_entry(std::uint16_t tag, const std::string& text);  // NUL-terminated
TiffEntry byte_entry(std::uint16_t tag, std::uint8_t value);
TiffEntry short_entry(std::uint16_t tag, std::uint16_t value);
TiffEntry rational_entry(std::uint16_t tag,
                         const std::vector<std::pair<std::uint32_t, std::uint32_t>>& values);

// Degrees, minutes, seconds as the three rationals GPSLatitude/GPSLongitude hold.
TiffEntry dms_entry(std::uint16_t tag, std::uint32_t degrees, std::uint32_t minutes,
                    std::uint32_t seconds_times_100);

struct ExifSpec {
  std::vector<TiffEntry> ifd0 = {};
  std::vector<TiffEntry> exif_ifd = {};  // pointed to from IFD0 when not empty
  std::optional<std::vector<TiffEntry>> gps_ifd =
      std::nullopt;  // pointed to when set, even when empty
};

// A little-endian TIFF structure as found in a JPEG APP1 "Exif" segment.
std::string build_exif_tiff(const ExifSpec& spec);

// An XMP packet with the given rdf:Description attributes and child elements.
std::string xmp_packet(const std::string& attributes, const std::string& elements = "");

// SOI, APP1 Exif (when given), APP1 XMP (when given), SOF0 with the size, SOS, EOI.
std::string build_jpeg(const std::optional<std::string>& exif_tiff,
                       const std::optional<std::string>& xmp, int width = 64, int height = 48);

}  // namespace imgsync::media::testing
