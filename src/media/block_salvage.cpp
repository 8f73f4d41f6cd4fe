#include "media/block_salvage.h"

#include <cstdint>
#include <optional>
#include <string>

#include <exiv2/exiv2.hpp>

#include "media/exif_reader.h"
#include "media/iptc_reader.h"
#include "media/xmp_reader.h"

namespace imgsync::media {

namespace {

constexpr int kMaxSignatureHits = 16;  // hostile files may repeat a signature endlessly
constexpr std::string_view kExifHeader("Exif\0\0", 6);

bool is_tiff_header(std::string_view bytes) {
  return bytes.substr(0, 4) == std::string_view("II*\0", 4) ||
         bytes.substr(0, 4) == std::string_view("MM\0*", 4);
}

std::optional<std::string_view> find_exif_tiff(std::string_view bytes) {
  if (is_tiff_header(bytes)) return bytes;
  std::size_t at = bytes.find(kExifHeader);
  for (int hits = 0; at != std::string_view::npos && hits < kMaxSignatureHits; ++hits) {
    const std::string_view tiff = bytes.substr(at + kExifHeader.size());
    if (is_tiff_header(tiff)) return tiff;
    at = bytes.find(kExifHeader, at + 1);
  }
  return std::nullopt;
}

std::optional<std::string> find_xmp_packet(std::string_view bytes) {
  const std::size_t start = bytes.find("<x:xmpmeta");
  if (start == std::string_view::npos) return std::nullopt;
  constexpr std::string_view kEnd = "</x:xmpmeta>";
  const std::size_t end = bytes.find(kEnd, start);
  if (end == std::string_view::npos) return std::nullopt;
  return std::string(bytes.substr(start, end + kEnd.size() - start));
}

MetadataLayer decode_exif(std::string_view tiff) {
  Exiv2::ExifData exif;
  Exiv2::ExifParser::decode(exif, reinterpret_cast<const Exiv2::byte*>(tiff.data()),
                            static_cast<std::uint32_t>(tiff.size()));
  return read_exif_layer(exif);
}

Result<MetadataLayer> decode_xmp(const std::string& packet) {
  Exiv2::XmpData xmp;
  if (Exiv2::XmpParser::decode(xmp, packet) != 0) {
    return make_error(ErrorCategory::kInvalidInput, "the packet is not well-formed XML");
  }
  return read_xmp_layer(xmp);
}

Result<MetadataLayer> decode_iptc(std::string_view resources) {
  const auto records = iptc_records_in_photoshop(resources);
  if (!records) return MetadataLayer{};  // Photoshop resources without IPTC: nothing to read
  Exiv2::IptcData iptc;
  const auto* data = reinterpret_cast<const Exiv2::byte*>(records->data());
  if (Exiv2::IptcParser::decode(iptc, data, static_cast<std::uint32_t>(records->size())) != 0) {
    return make_error(ErrorCategory::kInvalidInput, "the IPTC records are malformed");
  }
  return read_iptc_layer(iptc, *records);
}

}  // namespace

void salvage_blocks(std::string_view bytes, BlockGuard& guard) {
  if (const auto tiff = find_exif_tiff(bytes)) {
    guard.read("EXIF (salvaged)", [&] { return decode_exif(*tiff); });
  }
  if (const auto packet = find_xmp_packet(bytes)) {
    guard.read("XMP (salvaged)", [&] { return decode_xmp(*packet); });
  }
  if (const auto resources = find_photoshop_resources(bytes)) {
    guard.read("IPTC (salvaged)", [&] { return decode_iptc(*resources); });
  }
}

}  // namespace imgsync::media
