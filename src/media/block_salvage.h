// When Exiv2 refuses a file as a whole (a HEIC whose ICC profile it rejects, a JPEG with one
// broken segment, a cut-off PNG), its EXIF, XMP and IPTC blocks are found by their signatures and
// each decoded on its own: "Exif\0\0" + a TIFF header (JPEG APP1, HEIF's Exif item, WebP, PNG
// eXIf), a TIFF file's own header, an <x:xmpmeta> packet, a "Photoshop 3.0" IPTC resource.
#pragma once

#include <string_view>

#include "media/block_guard.h"

namespace imgsync::media {

// Reads the blocks found in `bytes` (the start of the file) through `guard`.
void salvage_blocks(std::string_view bytes, BlockGuard& guard);

}  // namespace imgsync::media
