// Vendor files built byte by byte for the readers Exiv2 0.27 lacks (FLIR FFF records in JPEG
// APP1 segments, Sigma X3F, Canon CR3) and for IPTC in a JPEG APP13 segment; layouts as in
// exiftool's FLIR.pm, SigmaRaw.pm and Canon's CR3 (moov/uuid/CMT1..CMT4).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace imgsync::media::testing {

// `jpeg` with APP segments (marker, payload) inserted right after its SOI marker.
std::string with_segments(const std::string& jpeg,
                          const std::vector<std::pair<std::uint8_t, std::string>>& segments);

// An APP13 "Photoshop 3.0" payload with one IPTC resource: DateCreated "YYYYMMDD" and, when not
// empty, TimeCreated "HHMMSS+HHMM".
std::string iptc_app13_payload(const std::string& date, const std::string& time);

struct FlirSpec {
  std::uint32_t utc_seconds = 0;  // since 1970
  std::uint16_t milliseconds = 0;
  std::int16_t minutes_west = 0;  // the record's zone: local = UTC - minutes_west
  std::optional<std::pair<double, double>> position = std::nullopt;  // GPSInfo with GPSValid 1
  double altitude = 0;
  bool big_endian = true;  // FFF header and CameraInfo byte order (GPSInfo is always LE)
};
std::string build_flir_fff(const FlirSpec& spec);

// The FFF stream as APP1 "FLIR" segment payloads of at most `chunk` bytes each, in chunk order.
std::vector<std::string> flir_app1_payloads(const std::string& fff, std::size_t chunk);

// An X3F file: an IMA2 section with `jpeg_preview` (when not empty) and a PROP section with
// TIME, CAMMANUF and CAMMODEL (when TIME is not empty).
std::string build_x3f(const std::string& jpeg_preview, const std::string& time,
                      const std::string& make, const std::string& model);

// A CR3 file: ftyp "crx ", moov with Canon's uuid box holding CMT1 (IFD0), CMT2 (Exif IFD) and
// CMT4 (GPS IFD) TIFF structures (each skipped when empty), and an mvhd with `mvhd_seconds`
// since 1904.
std::string build_cr3(const std::string& cmt1, const std::string& cmt2, const std::string& cmt4,
                      std::uint32_t mvhd_seconds);

}  // namespace imgsync::media::testing
