// The image's own metadata, read block by block: EXIF, IPTC, XMP (through Exiv2), the vendor
// blocks Exiv2 0.27 does not read (raw_block_readers.h), and, when Exiv2 refuses the file as a
// whole, the EXIF/XMP/IPTC blocks found by their signatures. A block that fails is named in
// `errors` and never discards the others. Internal to media/ (metadata_extractor.h is the API).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "media/image_metadata.h"
#include "media/metadata_layer.h"
#include "util/result.h"

namespace imgsync::media {

// The bytes of one image, from memory or read from a file on demand (the start only, or all).
class ImageBytes {
 public:
  static ImageBytes of_memory(std::string_view bytes) { return ImageBytes(bytes, {}); }
  static ImageBytes of_file(std::filesystem::path file) { return ImageBytes({}, std::move(file)); }

  bool in_memory() const { return file_.empty(); }
  const std::filesystem::path& file() const { return file_; }
  // At most `limit` bytes from the start (fewer when the file is shorter).
  Result<std::string_view> head(std::size_t limit);

 private:
  ImageBytes(std::string_view memory, std::filesystem::path file)
      : memory_(memory), file_(std::move(file)) {}

  std::string_view memory_;
  std::filesystem::path file_;
  std::string cache_;
  bool cache_is_whole_ = false;
};

struct EmbeddedMetadata {
  MetadataLayer layer;  // capture time resolved (resolve_capture_time)
  std::string mime;     // sniffed, else Exiv2's; empty when nobody knows the format
  MetadataReadStatus status = MetadataReadStatus::kComplete;
  std::vector<std::string> errors;  // "EXIF: reason", one per block that failed
};

// Never throws. `sniffed_mime` is the content type from the magic bytes (may be empty).
EmbeddedMetadata read_embedded(ImageBytes& bytes, std::string sniffed_mime);

}  // namespace imgsync::media
