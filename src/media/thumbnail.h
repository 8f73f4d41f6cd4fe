// Thumbnails for galleries and search results (docs/design.md §2: thumbnails/YYYY/MM/DD/<name>.webp):
// WebP, the long edge at most `long_edge` pixels (never enlarged), turned upright by the EXIF
// orientation, and stripped of every metadata block, so a thumbnail never carries a GPS position
// or a serial number, whatever the original holds.
//
// Formats libvips reads itself (JPEG with shrink-on-load, PNG, TIFF, WebP, GIF, HEIC/AVIF) are
// decoded by libvips. Camera raw files are not decoded: their largest embedded preview (Exiv2's
// PreviewManager) is scaled instead and turned by the raw's orientation. libvips' "untrusted"
// loaders (ImageMagick and friends) are blocked: thumbnails are made from files nobody vetted.
#pragma once

#include <filesystem>
#include <string>

#include "util/result.h"

namespace imgsync::media {

struct ThumbnailOptions {
  int long_edge = 512;  // pixels
  int quality = 80;     // WebP quality, 1..100
};

struct Thumbnail {
  std::string webp;  // the encoded bytes
  int width = 0;
  int height = 0;
};

// Whether make_thumbnail decodes this type with libvips alone (no Exiv2): such calls may run on
// any thread, beside Exiv2 reads elsewhere. Raw files (embedded previews through Exiv2) may not.
bool thumbnail_decoded_by_libvips(const std::string& mime);

// kInvalidInput when the file holds no image libvips can read and no embedded preview;
// kLocalIo when it cannot be read.
// `orientation`: the EXIF orientation (1..8) imgsync read for the file, applied to embedded
// previews (libvips reads the orientation of the files it decodes itself).
Result<Thumbnail> make_thumbnail(const std::filesystem::path& file, const std::string& mime,
                                 int orientation, const ThumbnailOptions& options = {});

// The same from bytes already in memory (an embedded preview, a test image).
Result<Thumbnail> make_thumbnail_from_buffer(const std::string& bytes, int orientation,
                                             const ThumbnailOptions& options = {});

}  // namespace imgsync::media
