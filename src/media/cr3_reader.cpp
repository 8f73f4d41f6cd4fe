// Canon CR3: Exiv2 0.27's BMFF reader refuses some CR3 files ("corrupted image metadata") that
// exiftool reads; their EXIF lives in plain TIFF structures inside Canon's moov/uuid box.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include <exiv2/exif.hpp>

#include "media/byte_reader.h"
#include "media/exif_reader.h"
#include "media/maker_note_times.h"
#include "media/raw_block_readers.h"

namespace imgsync::media {

namespace {

constexpr std::string_view kCanonUuid =
    "\x85\xc0\xb6\x87\x82\x0f\x11\xe0\x81\x11\xf4\xce\x46\x2b\x6a\x48";
constexpr std::int64_t kSecondsFrom1904To1970 = 2082844800;

struct Box {
  std::string_view type = {};
  std::string_view body = {};  // after the header (and after a uuid box's 16-byte user type)
  std::string_view user_type = {};
};

// The boxes directly inside `bytes`, in order; stops at the first malformed header.
template <typename Visit>
void for_each_box(std::string_view bytes, Visit&& visit) {
  const ByteReader reader(bytes, true);
  std::size_t at = 0;
  while (at + 8 <= bytes.size()) {
    std::uint64_t size = *reader.u32(at);
    std::size_t header = 8;
    if (size == 1) {
      const auto large = reader.u64(at + 8);
      if (!large) return;
      size = *large;
      header = 16;
    } else if (size == 0) {
      size = bytes.size() - at;
    }
    // A box running past the head is cut to what we have (moov may extend past a short head).
    if (size < header) return;
    const std::size_t available = bytes.size() - at;
    const std::size_t length = size > available ? available : static_cast<std::size_t>(size);
    Box box{.type = bytes.substr(at + 4, 4), .body = bytes.substr(at + header, length - header)};
    if (box.type == "uuid") {
      if (box.body.size() < 16) return;
      box.user_type = box.body.substr(0, 16);
      box.body.remove_prefix(16);
    }
    if (!visit(box)) return;
    at += length;
  }
}

// A TIFF structure whose IFD0 is really the IFD named `group` ("Photo", "GPSInfo"): decoded as
// IFD0 by Exiv2, then each entry moved to that group.
void decode_into(Exiv2::ExifData& exif, std::string_view tiff, const char* group) {
  Exiv2::ExifData decoded;
  Exiv2::ExifParser::decode(decoded, reinterpret_cast<const Exiv2::byte*>(tiff.data()),
                            static_cast<std::uint32_t>(tiff.size()));
  const int image = Exiv2::ExifKey(0x010f, "Image").ifdId();
  for (const Exiv2::Exifdatum& datum : decoded) {
    if (group == nullptr || datum.ifdId() != image) {
      exif.add(datum);
    } else {
      const Exiv2::ExifKey key(datum.tag(), group);
      exif.add(key, &datum.value());
    }
  }
}

std::optional<CaptureTime> movie_header_time(std::string_view mvhd) {
  const ByteReader reader(mvhd, true);
  const auto version = reader.u32(0);
  if (!version) return std::nullopt;
  std::optional<std::uint64_t> created;
  if ((*version >> 24) == 1) {
    created = reader.u64(4);
  } else {
    created = reader.u32(4);
  }
  if (!created || *created > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  return wall_clock_from_epoch_seconds(static_cast<std::int64_t>(*created) - kSecondsFrom1904To1970,
                                       CaptureTimeSource::kContainer);
}

}  // namespace

Result<MetadataLayer> read_cr3_layer(std::string_view head) {
  std::optional<std::string_view> moov;
  for_each_box(head, [&](const Box& box) {
    if (box.type == "moov") moov = box.body;
    return !moov;
  });
  if (!moov) return make_error(ErrorCategory::kInvalidInput, "CR3: no moov box");
  Exiv2::ExifData exif;
  std::optional<CaptureTime> container_time;
  bool found_tiff = false;
  for_each_box(*moov, [&](const Box& box) {
    if (box.type == "mvhd") container_time = movie_header_time(box.body);
    if (box.type != "uuid" || box.user_type != kCanonUuid) return true;
    for_each_box(box.body, [&](const Box& inner) {
      if (inner.type == "CMT1") decode_into(exif, inner.body, nullptr);
      if (inner.type == "CMT2") decode_into(exif, inner.body, "Photo");
      if (inner.type == "CMT4") decode_into(exif, inner.body, "GPSInfo");
      found_tiff = found_tiff || inner.type.substr(0, 3) == "CMT";
      return true;
    });
    return true;
  });
  if (!found_tiff && !container_time) {
    return make_error(ErrorCategory::kInvalidInput, "CR3: no CMT boxes in Canon's uuid box");
  }
  MetadataLayer layer = read_exif_layer(exif);
  if (container_time) layer.time_candidates.push_back(*container_time);
  return layer;
}

}  // namespace imgsync::media
