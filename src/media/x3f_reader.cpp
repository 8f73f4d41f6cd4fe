// Sigma/Foveon X3F: Exiv2 0.27 has no X3F reader; exiftool reads the EXIF of the full-size JPEG
// preview (newer cameras) and the PROP section (all of them). Layout as in exiftool's SigmaRaw.pm:
// the last 4 bytes point to a "SECd" directory of (offset, length, type) entries.
#include <cstdint>
#include <optional>
#include <string>

#include <exiv2/exiv2.hpp>

#include "media/byte_reader.h"
#include "media/exif_reader.h"
#include "media/maker_note_times.h"
#include "media/metadata_text.h"
#include "media/raw_block_readers.h"

namespace imgsync::media {

namespace {

constexpr std::uint32_t kMaxSections = 64;
constexpr std::size_t kSectionHeader = 28;  // "SECi" image header before the image data
constexpr std::uint32_t kJpegFormat = 18;

// Exif of the JPEG preview, through Exiv2's JPEG reader on the bytes in memory.
MetadataLayer preview_layer(std::string_view jpeg) {
  if (jpeg.substr(0, 3) != "\xff\xd8\xff") return {};
  Exiv2::Image::AutoPtr image = Exiv2::ImageFactory::open(
      reinterpret_cast<const Exiv2::byte*>(jpeg.data()), static_cast<long>(jpeg.size()));
  if (image.get() == nullptr) return {};
  image->readMetadata();
  return read_exif_layer(image->exifData());
}

// A PROP value by name: UTF-16LE, NUL-terminated strings at character positions.
struct Properties {
  std::string_view characters;  // UTF-16LE
  std::string_view directory;   // (name position, value position) pairs, 8 bytes each

  std::string string_at(std::uint32_t position) const {
    std::string text;
    for (std::size_t at = std::size_t{position} * 2;
         at + 1 < characters.size() && text.size() < 256; at += 2) {
      const auto low = static_cast<unsigned char>(characters[at]);
      const auto high = static_cast<unsigned char>(characters[at + 1]);
      if (low == 0 && high == 0) break;
      text.push_back(high == 0 && low < 0x80 ? static_cast<char>(low) : '?');
    }
    return text;
  }

  std::optional<std::string> find(std::string_view name) const {
    const ByteReader reader(directory, false);
    for (std::size_t at = 0; at + 8 <= directory.size(); at += 8) {
      if (string_at(*reader.u32(at)) == name) return string_at(*reader.u32(at + 4));
    }
    return std::nullopt;
  }
};

void read_properties(std::string_view section, MetadataLayer& layer) {
  const ByteReader reader(section, false);
  if (section.substr(0, 4) != "SECp") return;
  const auto entries = reader.u32(8), format = reader.u32(12), length = reader.u32(20);
  if (!entries || !format || !length || *format != 0 || *entries > 4096) return;
  const auto directory = reader.slice(24, std::size_t{*entries} * 8);
  if (!directory) return;
  const auto characters = reader.slice(24 + directory->size(), std::size_t{*length} * 2);
  if (!characters) return;
  const Properties properties{.characters = *characters, .directory = *directory};
  if (const auto time = properties.find("TIME")) {
    try {
      if (auto parsed =
              wall_clock_from_epoch_seconds(std::stoll(*time), CaptureTimeSource::kMakerNote)) {
        layer.time_candidates.push_back(*parsed);
      }
    } catch (const std::exception&) {
      // not a number: no time
    }
  }
  if (auto make = properties.find("CAMMANUF"); make && !clean_text(*make).empty()) {
    layer.make = clean_text(*make);
  }
  if (auto model = properties.find("CAMMODEL"); model && !clean_text(*model).empty()) {
    layer.model = clean_text(*model);
  }
}

}  // namespace

Result<MetadataLayer> read_x3f_layer(std::string_view file) {
  const ByteReader reader(file, false);
  if (file.substr(0, 4) != "FOVb" || file.size() < 16) {
    return make_error(ErrorCategory::kInvalidInput, "X3F: no FOVb header");
  }
  const auto directory_at = reader.u32(file.size() - 4);
  if (!directory_at || !reader.slice(*directory_at, 12) ||
      file.substr(*directory_at, 4) != "SECd") {
    return make_error(ErrorCategory::kInvalidInput, "X3F: the section directory is missing");
  }
  const std::uint32_t entries = *reader.u32(*directory_at + 8);
  if (entries == 0 || entries > kMaxSections) {
    return make_error(ErrorCategory::kInvalidInput, "X3F: implausible section count");
  }
  MetadataLayer exif_layer, property_layer;
  for (std::uint32_t i = 0; i < entries; ++i) {
    const std::size_t entry = std::size_t{*directory_at} + 12 + std::size_t{i} * 12;
    const auto offset = reader.u32(entry), length = reader.u32(entry + 4);
    const auto type = reader.slice(entry + 8, 4);
    if (!offset || !length || !type) break;
    const auto section = reader.slice(*offset, *length);
    if (!section) continue;
    if (*type == "PROP") read_properties(*section, property_layer);
    if (*type == "IMA2" && section->size() > kSectionHeader && section->substr(0, 4) == "SECi") {
      const ByteReader header(*section, false);
      if (header.u32(12) == kJpegFormat) {
        fill_missing(exif_layer, preview_layer(section->substr(kSectionHeader)));
      }
    }
  }
  fill_missing(exif_layer, property_layer);
  return exif_layer;
}

}  // namespace imgsync::media
