// An XMP packet (embedded in the image or a sidecar) as a MetadataLayer: exif:DateTimeOriginal /
// xmp:CreateDate, exif:GPS*, tiff:Make/Model/Orientation, lens and serial (aux:, exifEX:),
// dc:subject keywords, and the DJI drone fields (drone-dji:RelativeAltitude, Gimbal*/Flight*).
#pragma once

#include <optional>
#include <string_view>

#include <exiv2/xmp_exiv2.hpp>

#include "media/metadata_layer.h"

namespace imgsync::media {

MetadataLayer read_xmp_layer(const Exiv2::XmpData& xmp);

// An XMP GPS coordinate "DDD,MM.mmk" or "DDD,MM,SSk" (k = N/S/E/W) as signed degrees; also a plain
// signed decimal. nullopt when malformed or out of range.
std::optional<double> parse_xmp_coordinate(std::string_view text, bool is_latitude);

// "+12.30", "-3.5", "244927/940" (XMP rationals) as a number; nullopt when not a finite number.
std::optional<double> parse_xmp_number(std::string_view text);

}  // namespace imgsync::media
