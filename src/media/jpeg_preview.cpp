#include "media/jpeg_preview.h"

#include <cstring>
#include <string>
#include <string_view>

#include "media/byte_reader.h"

namespace imgsync::media {
namespace {

constexpr std::string_view kMpfSignature("MPF\0", 4);
constexpr std::string_view kIccSignature("ICC_PROFILE\0", 12);
constexpr std::uint16_t kMpEntryTag = 0xB002;
constexpr std::size_t kMpEntrySize = 16;
constexpr int kMaxSegments = 64;  // markers before the scan; cameras write about ten

// The MP Entry list of an MPF segment's data (after its signature), which starts at `tiff_at`
// in the file: each image after the first, with its place in the file.
void read_mp_entries(std::string_view data, std::uint64_t tiff_at, std::uint64_t file_size,
                     JpegLayout& layout) {
  if (data.size() < 8) return;
  const bool big_endian = data.substr(0, 2) == "MM";
  if (!big_endian && data.substr(0, 2) != "II") return;
  ByteReader tiff(data, big_endian);
  const auto ifd = tiff.u32(4);
  const auto count = ifd ? tiff.u16(*ifd) : std::nullopt;
  if (!count) return;
  for (std::uint32_t i = 0; i < *count; ++i) {
    const std::size_t at = std::size_t(*ifd) + 2 + std::size_t{12} * i;
    const auto tag = tiff.u16(at);
    if (!tag) return;
    if (*tag != kMpEntryTag) continue;
    const auto length = tiff.u32(at + 4);
    const auto where = tiff.u32(at + 8);
    const auto entries = length && where ? tiff.slice(*where, *length) : std::nullopt;
    if (!entries) return;
    ByteReader list(*entries, big_endian);
    for (std::size_t e = 0; e + kMpEntrySize <= entries->size(); e += kMpEntrySize) {
      const auto size = list.u32(e + 4);
      const auto offset = list.u32(e + 8);  // 0 for the primary image
      if (!size || !offset || *offset == 0 || *size == 0) continue;
      const std::uint64_t start = tiff_at + *offset;
      if (start >= file_size || *size > file_size - start) continue;
      layout.previews.push_back({start, *size});
    }
    return;
  }
}

bool is_frame_header(int marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

std::uint32_t read_uint(const std::uint8_t* bytes, int size, bool big_endian) {
  std::uint32_t value = 0;
  for (int i = 0; i < size; ++i) {
    const int at = big_endian ? i : size - 1 - i;
    value = value << 8 | bytes[at];
  }
  return value;
}

// The Orientation tag (0x0112) of IFD0 in an APP1 "Exif" segment; 1 when there is none.
}  // namespace

int exif_orientation(const std::uint8_t* data, std::size_t size) {
  constexpr std::string_view kExif("Exif\0\0", 6);
  if (size < kExif.size() + 8 || std::memcmp(data, kExif.data(), kExif.size()) != 0) return 1;
  const std::uint8_t* tiff = data + kExif.size();
  const std::size_t tiff_size = size - kExif.size();
  bool big_endian = false;
  if (tiff[0] == 'M' && tiff[1] == 'M') {
    big_endian = true;
  } else if (tiff[0] != 'I' || tiff[1] != 'I') {
    return 1;
  }
  const std::uint32_t ifd = read_uint(tiff + 4, 4, big_endian);
  if (ifd > tiff_size || tiff_size - ifd < 2) return 1;
  const std::uint32_t entries = read_uint(tiff + ifd, 2, big_endian);
  for (std::uint32_t i = 0; i < entries; ++i) {
    const std::size_t at = ifd + 2 + std::size_t{12} * i;
    if (at + 12 > tiff_size) return 1;
    if (read_uint(tiff + at, 2, big_endian) != 0x0112) continue;
    if (read_uint(tiff + at + 2, 2, big_endian) != 3) return 1;  // not a SHORT
    const auto value = static_cast<int>(read_uint(tiff + at + 8, 2, big_endian));
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

std::optional<JpegLayout> read_jpeg_layout(std::FILE* file) {
  if (std::fseek(file, 0, SEEK_END) != 0) return std::nullopt;
  const long end = std::ftell(file);
  if (end < 4 || std::fseek(file, 0, SEEK_SET) != 0) return std::nullopt;
  const auto file_size = static_cast<std::uint64_t>(end);
  if (std::fgetc(file) != 0xFF || std::fgetc(file) != 0xD8) return std::nullopt;
  JpegLayout layout;
  std::string segment;
  for (int segments = 0; segments < kMaxSegments; ++segments) {
    int marker = std::fgetc(file);
    if (marker != 0xFF) return layout;
    while (marker == 0xFF) marker = std::fgetc(file);                      // fill bytes
    if (marker == EOF || marker == 0xDA || marker == 0xD9) return layout;  // scan, or end
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;    // no length
    const int high = std::fgetc(file), low = std::fgetc(file);
    if (high == EOF || low == EOF) return layout;
    const int length = (high << 8 | low) - 2;
    if (length < 0) return layout;
    const long data_at = std::ftell(file);
    const bool wanted = is_frame_header(marker) || marker == 0xE1 || marker == 0xE2;
    if (!wanted) {
      if (std::fseek(file, length, SEEK_CUR) != 0) return layout;
      continue;
    }
    segment.resize(std::size_t(length));
    if (std::fread(segment.data(), 1, segment.size(), file) != segment.size()) return layout;
    ByteReader bytes(segment, true);
    if (is_frame_header(marker)) {
      layout.height = bytes.u16(1).value_or(0);
      layout.width = bytes.u16(3).value_or(0);
    } else if (marker == 0xE1) {
      if (layout.orientation == 1) {
        layout.orientation =
            exif_orientation(reinterpret_cast<const std::uint8_t*>(segment.data()), segment.size());
      }
    } else if (std::string_view(segment).starts_with(kIccSignature)) {
      layout.has_profile = true;
    } else if (std::string_view(segment).substr(0, kMpfSignature.size()) == kMpfSignature) {
      read_mp_entries(std::string_view(segment).substr(kMpfSignature.size()),
                      static_cast<std::uint64_t>(data_at) + kMpfSignature.size(), file_size,
                      layout);
    }
  }
  return layout;
}

}  // namespace imgsync::media
