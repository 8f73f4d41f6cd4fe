// Thumbnails for galleries and search results (docs/design.md §2:
// thumbnails/YYYY/MM/DD/<name>.jpg): JPEG (the catalog's thumbnails: a third less CPU than WebP at
// effort 0 for the same bytes, docs/benchmarks.md) or WebP (the gallery's copies), the long edge at
// most `long_edge` pixels (never enlarged), turned upright by the EXIF orientation, and stripped of
// every metadata block, so a thumbnail never carries a GPS position or a serial number, whatever
// the original holds.
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

enum class ThumbnailFormat { kJpeg, kWebp };

struct ThumbnailOptions {
  int long_edge = 512;  // pixels
  int quality = 80;     // 1..100
  int effort = 0;       // WebP encoder effort, 0..6 (docs/benchmarks.md: thumbnails)
  ThumbnailFormat format = ThumbnailFormat::kJpeg;
  // JPEG to JPEG through libjpeg alone when the file allows (media/jpeg_thumbnail.h); false
  // always uses libvips (tests and bench/thumbnail_bench compare the two).
  bool jpeg_fast_path = true;
};

// "image/jpeg" or "image/webp".
const char* content_type(ThumbnailFormat format);

struct Thumbnail {
  std::string bytes;  // the encoded image
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

// A camera raw's largest embedded preview (read through Exiv2: call it only where Exiv2 may run,
// the thread that reads metadata), to be scaled by make_thumbnail_from_buffer on any thread.
Result<std::string> embedded_preview(const std::filesystem::path& file, const std::string& mime);

// The same from bytes already in memory (an embedded preview, a test image).
Result<Thumbnail> make_thumbnail_from_buffer(const std::string& bytes, int orientation,
                                             const ThumbnailOptions& options = {});

}  // namespace imgsync::media
