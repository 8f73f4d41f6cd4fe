// Canon CIFF heaps (the format of .crw raws) also appear inside the APP0 segment of JPEGs from
// early Canon-made cameras (e.g. the Sony-badged PowerShot A5); exiftool reads them there, Exiv2
// only in .crw files. Layout as in exiftool's CanonRaw.pm: a heap's last 4 bytes point to its
// directory (a count, then 10-byte entries: tag, size, offset); 0x28xx/0x30xx entries are heaps.
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "media/byte_reader.h"
#include "media/maker_note_times.h"
#include "media/metadata_text.h"
#include "media/raw_block_readers.h"

namespace imgsync::media {

namespace {

constexpr std::uint16_t kTimeStampTag = 0x180e;
constexpr std::uint16_t kMakeModelTag = 0x080a;
constexpr int kMaxDepth = 4;
constexpr std::uint16_t kMaxEntries = 512;

class CiffWalker {
 public:
  explicit CiffWalker(ByteReader reader) : reader_(reader) {}

  void walk(std::size_t start, std::size_t length, int depth, MetadataLayer& layer) {
    if (depth > kMaxDepth || length < 4 || !visited_.insert(start).second) return;
    const auto directory_offset = reader_.u32(start + length - 4);
    if (!directory_offset || *directory_offset > length - 4) return;
    const std::size_t directory = start + *directory_offset;
    const auto count = reader_.u16(directory);
    if (!count || *count > kMaxEntries) return;
    for (std::size_t i = 0; i < *count; ++i) {
      const std::size_t entry = directory + 2 + i * 10;
      const auto tag = reader_.u16(entry);
      const auto size = reader_.u32(entry + 2), offset = reader_.u32(entry + 6);
      if (!tag || !size || !offset || (*tag & 0x8000) != 0) return;
      if ((*tag & 0x4000) != 0 || *offset > length || *size > length - *offset) continue;
      const int type = (*tag >> 8) & 0x38;
      if (type == 0x28 || type == 0x30) {
        walk(start + *offset, *size, depth + 1, layer);
      } else {
        read_value(*tag & 0x3fff, start + *offset, *size, layer);
      }
    }
  }

 private:
  void read_value(std::uint16_t tag, std::size_t at, std::size_t size, MetadataLayer& layer) {
    if (tag == kTimeStampTag) {
      const auto seconds = reader_.u32(at);
      if (!seconds || size < 4) return;
      if (auto time = wall_clock_from_epoch_seconds(*seconds, CaptureTimeSource::kMakerNote)) {
        layer.time_candidates.push_back(*time);
      }
    } else if (tag == kMakeModelTag) {
      const auto text = reader_.slice(at, size);
      if (!text) return;
      const std::size_t end = text->find('\0');
      if (end == std::string_view::npos) return;
      const std::string make = clean_text(text->substr(0, end));
      const std::string model = clean_text(text->substr(end + 1));
      if (!make.empty()) layer.make = make;
      if (!model.empty()) layer.model = model;
    }
  }

  ByteReader reader_;
  std::set<std::size_t> visited_;
};

}  // namespace

Result<MetadataLayer> read_ciff_layer(std::string_view ciff) {
  const bool little = ciff.substr(0, 2) == "II";
  if ((!little && ciff.substr(0, 2) != "MM") || ciff.size() < 14 || ciff.substr(6, 4) != "HEAP") {
    return make_error(ErrorCategory::kInvalidInput, "CIFF: no heap header");
  }
  const ByteReader reader(ciff, !little);
  const auto header_length = reader.u32(2);
  if (!header_length || *header_length >= ciff.size()) {
    return make_error(ErrorCategory::kInvalidInput, "CIFF: the heap header is cut off");
  }
  MetadataLayer layer;
  CiffWalker(reader).walk(*header_length, ciff.size() - *header_length, 0, layer);
  return layer;
}

}  // namespace imgsync::media
