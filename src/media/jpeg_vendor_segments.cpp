// The APP segments of a JPEG that Exiv2 0.27 skips: FLIR's record stream split over APP1
// segments, the "[picture info]" text of early Olympus/Sanyo cameras, a Canon CIFF heap in APP0.
#include <map>
#include <string>

#include "media/byte_reader.h"
#include "media/maker_note_times.h"
#include "media/raw_block_readers.h"

namespace imgsync::media {

Result<MetadataLayer> read_jpeg_vendor_segments(std::string_view head) {
  if (head.substr(0, 2) != "\xff\xd8")
    return make_error(ErrorCategory::kInvalidInput, "not a JPEG");
  const ByteReader reader(head, true);
  std::map<int, std::string> flir_chunks;
  MetadataLayer layer;
  std::size_t at = 2;
  while (at + 4 <= head.size() && static_cast<unsigned char>(head[at]) == 0xff) {
    const auto marker = static_cast<unsigned char>(head[at + 1]);
    if (marker == 0xda || marker == 0xd9) break;  // start of scan, end of image
    if (marker == 0xff) {
      ++at;  // fill byte
      continue;
    }
    const std::size_t length = *reader.u16(at + 2);
    if (length < 2) break;
    const auto payload = reader.slice(at + 4, length - 2);
    if (!payload) break;
    if (marker == 0xe1 && payload->size() >= 8 &&
        payload->substr(0, 5) == std::string_view("FLIR\0", 5)) {
      flir_chunks[static_cast<unsigned char>((*payload)[6])].append(payload->substr(8));
    } else if (marker == 0xe0 && payload->substr(6, 8) == "HEAPJPGM") {
      auto ciff = read_ciff_layer(*payload);
      if (!ciff.ok()) return ciff.take_error();
      fill_missing(layer, *ciff);
    } else if (marker >= 0xe0 && marker <= 0xef) {
      if (auto time = read_picture_info_time(*payload)) layer.time_candidates.push_back(*time);
    }
    at += 2 + length;
  }
  if (!flir_chunks.empty()) {
    std::string fff;
    for (const auto& [index, chunk] : flir_chunks) fff += chunk;
    auto flir = read_flir_fff_layer(fff);
    if (!flir.ok()) return flir.take_error();
    fill_missing(layer, *flir);
  }
  return layer;
}

}  // namespace imgsync::media
