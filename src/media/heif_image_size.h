// The pixel size of a HEIF/AVIF file's primary image, from its 'ispe' property. Exiv2 0.27
// reports a HEIF's size from the EXIF PixelXDimension (or the first 'ispe' it meets), which is
// wrong for edited iPhone photos (cropped: the EXIF still says 4032x3024) and for files whose
// first 'ispe' belongs to a tile or a thumbnail. The primary item's 'ispe' is the truth
// (exiftool agrees); this reads it with a bounded walk over the box structure.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

namespace imgsync::media {

struct PixelSize {
  int width = 0;
  int height = 0;
};

// From the bytes of a 'meta' box's payload (after its 4-byte version/flags).
std::optional<PixelSize> heif_primary_size_from_meta(std::string_view meta_payload);

// The same from a whole file's bytes in memory.
std::optional<PixelSize> heif_primary_size_from_bytes(std::string_view file_bytes);

// Finds the top-level 'meta' box of `file` and reads it; nullopt when absent or malformed.
std::optional<PixelSize> read_heif_primary_size(const std::filesystem::path& file);

}  // namespace imgsync::media
