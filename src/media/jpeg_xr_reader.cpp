#include "media/jpeg_xr_reader.h"

#include <cstdint>
#include <string>

#include <exiv2/exif.hpp>
#include <exiv2/iptc.hpp>
#include <exiv2/xmp_exiv2.hpp>

#include "media/exif_reader.h"
#include "media/xmp_reader.h"

namespace imgsync::media {

namespace {

constexpr std::uint16_t kXmpPacketTag = 0x02bc;
constexpr std::uint16_t kJpegXrImageWidthTag = 0xbc80;
constexpr std::uint16_t kJpegXrImageHeightTag = 0xbc81;

}  // namespace

Result<MetadataLayer> read_jpeg_xr_layer(std::string_view file_bytes) {
  if (file_bytes.size() < 8 || file_bytes.substr(0, 3) != std::string_view("II\xbc", 3)) {
    return make_error(ErrorCategory::kInvalidInput, "not a JPEG XR file");
  }
  if (file_bytes.size() > UINT32_MAX) {
    return make_error(ErrorCategory::kInvalidInput,
                      "JPEG XR file too large for its 32-bit offsets");
  }
  std::string tiff(file_bytes);
  tiff[2] = '*';  // "II*\0": little-endian TIFF; JPEG XR is always little-endian
  tiff[3] = '\0';
  Exiv2::ExifData exif;
  Exiv2::ExifParser::decode(exif, reinterpret_cast<const Exiv2::byte*>(tiff.data()),
                            static_cast<std::uint32_t>(tiff.size()));
  MetadataLayer layer = read_exif_layer(exif);

  const int image_ifd = Exiv2::ExifKey(0x010f, "Image").ifdId();
  for (const Exiv2::Exifdatum& datum : exif) {
    if (datum.ifdId() != image_ifd || datum.count() < 1) continue;
    if (datum.tag() == kJpegXrImageWidthTag) layer.width = static_cast<int>(datum.toLong(0));
    if (datum.tag() == kJpegXrImageHeightTag) layer.height = static_cast<int>(datum.toLong(0));
    if (datum.tag() == kXmpPacketTag) {
      std::string packet(static_cast<std::size_t>(datum.size()), '\0');
      datum.copy(reinterpret_cast<Exiv2::byte*>(packet.data()), Exiv2::littleEndian);
      Exiv2::XmpData xmp;
      if (Exiv2::XmpParser::decode(xmp, packet) == 0) fill_missing(layer, read_xmp_layer(xmp));
    }
  }
  if (layer.width && *layer.width <= 0) layer.width.reset();
  if (layer.height && *layer.height <= 0) layer.height.reset();
  return layer;
}

}  // namespace imgsync::media
