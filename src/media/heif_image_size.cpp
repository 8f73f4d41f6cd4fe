#include "media/heif_image_size.h"

#include <cstdint>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

namespace imgsync::media {

namespace {

// A 'meta' box holds item descriptions, not pixels; real ones are a few kilobytes.
constexpr std::uint64_t kMaxMetaBoxBytes = 16 * 1024 * 1024;

std::uint64_t read_be(std::string_view bytes, std::size_t offset, std::size_t count) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
  }
  return value;
}

struct Box {
  std::string_view type;
  std::string_view payload;  // after the header
};

// The boxes directly inside `data`; stops at the first malformed header.
std::vector<Box> child_boxes(std::string_view data) {
  std::vector<Box> boxes;
  std::size_t offset = 0;
  while (data.size() - offset >= 8) {
    std::uint64_t size = read_be(data, offset, 4);
    std::size_t header = 8;
    if (size == 1) {
      if (data.size() - offset < 16) break;
      size = read_be(data, offset + 8, 8);
      header = 16;
    } else if (size == 0) {
      size = data.size() - offset;
    }
    if (size < header || size > data.size() - offset) break;
    boxes.push_back({data.substr(offset + 4, 4), data.substr(offset + header, size - header)});
    offset += size;
  }
  return boxes;
}

std::optional<std::uint32_t> primary_item_id(std::string_view pitm) {
  if (pitm.size() < 6) return std::nullopt;
  const unsigned version = static_cast<unsigned char>(pitm[0]);
  if (version == 0) return static_cast<std::uint32_t>(read_be(pitm, 4, 2));
  if (pitm.size() < 8) return std::nullopt;
  return static_cast<std::uint32_t>(read_be(pitm, 4, 4));
}

// 1-based property indexes associated with `item` in an 'ipma' box.
std::vector<std::uint32_t> properties_of(std::string_view ipma, std::uint32_t item) {
  std::vector<std::uint32_t> indexes;
  if (ipma.size() < 8) return indexes;
  const unsigned version = static_cast<unsigned char>(ipma[0]);
  const bool wide_index = (read_be(ipma, 1, 3) & 1) != 0;
  const std::uint64_t entries = read_be(ipma, 4, 4);
  std::size_t offset = 8;
  const std::size_t id_size = version < 1 ? 2 : 4;
  const std::size_t index_size = wide_index ? 2 : 1;
  for (std::uint64_t e = 0; e < entries; ++e) {
    if (ipma.size() - offset < id_size + 1) break;
    const auto id = static_cast<std::uint32_t>(read_be(ipma, offset, id_size));
    const std::size_t count = static_cast<unsigned char>(ipma[offset + id_size]);
    offset += id_size + 1;
    if (ipma.size() - offset < count * index_size) break;
    for (std::size_t a = 0; a < count; ++a) {
      const std::uint64_t raw = read_be(ipma, offset + a * index_size, index_size);
      const std::uint64_t mask = wide_index ? 0x7fff : 0x7f;
      if (id == item) indexes.push_back(static_cast<std::uint32_t>(raw & mask));
    }
    offset += count * index_size;
    if (id == item) break;
  }
  return indexes;
}

std::optional<PixelSize> size_of_ispe(std::string_view ispe) {
  if (ispe.size() < 12) return std::nullopt;
  const std::uint64_t width = read_be(ispe, 4, 4);
  const std::uint64_t height = read_be(ispe, 8, 4);
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<int>::max());
  if (width == 0 || height == 0 || width > kMax || height > kMax) return std::nullopt;
  return PixelSize{static_cast<int>(width), static_cast<int>(height)};
}

}  // namespace

std::optional<PixelSize> heif_primary_size_from_meta(std::string_view meta_payload) {
  std::optional<std::uint32_t> primary;
  std::vector<Box> properties;
  std::string_view ipma;
  for (const Box& box : child_boxes(meta_payload)) {
    if (box.type == "pitm") primary = primary_item_id(box.payload);
    if (box.type != "iprp") continue;
    for (const Box& child : child_boxes(box.payload)) {
      if (child.type == "ipco") properties = child_boxes(child.payload);
      if (child.type == "ipma" && ipma.empty()) ipma = child.payload;
    }
  }
  if (!primary) return std::nullopt;
  for (const std::uint32_t index : properties_of(ipma, *primary)) {
    if (index == 0 || index > properties.size()) continue;
    const Box& property = properties[index - 1];
    if (property.type == "ispe") return size_of_ispe(property.payload);
  }
  return std::nullopt;
}

std::optional<PixelSize> heif_primary_size_from_bytes(std::string_view file_bytes) {
  for (const Box& box : child_boxes(file_bytes)) {
    if (box.type == "meta" && box.payload.size() >= 4) {
      return heif_primary_size_from_meta(box.payload.substr(4));
    }
  }
  return std::nullopt;
}

std::optional<PixelSize> read_heif_primary_size(const std::filesystem::path& file) {
  std::ifstream stream(file, std::ios::binary);
  if (!stream) return std::nullopt;
  std::error_code error;
  const std::uint64_t file_size = std::filesystem::file_size(file, error);
  if (error) return std::nullopt;
  std::uint64_t offset = 0;
  // Top-level boxes: ftyp, meta, mdat... in any order; a handful at most before 'meta'.
  for (int box = 0; box < 64 && file_size - offset >= 8; ++box) {
    char header[16];
    stream.seekg(static_cast<std::streamoff>(offset));
    if (!stream.read(header, 8)) return std::nullopt;
    std::uint64_t size = read_be(std::string_view(header, 8), 0, 4);
    std::uint64_t header_size = 8;
    if (size == 1) {
      if (!stream.read(header + 8, 8)) return std::nullopt;
      size = read_be(std::string_view(header, 16), 8, 8);
      header_size = 16;
    } else if (size == 0) {
      size = file_size - offset;
    }
    if (size < header_size || size > file_size - offset) return std::nullopt;
    if (std::string_view(header + 4, 4) == "meta") {
      // Full box: 4 bytes of version and flags before the children.
      if (size - header_size < 4 || size > kMaxMetaBoxBytes) return std::nullopt;
      std::string payload(size - header_size, '\0');
      if (!stream.read(payload.data(), static_cast<std::streamsize>(payload.size()))) {
        return std::nullopt;
      }
      return heif_primary_size_from_meta(std::string_view(payload).substr(4));
    }
    offset += size;
  }
  return std::nullopt;
}

}  // namespace imgsync::media
