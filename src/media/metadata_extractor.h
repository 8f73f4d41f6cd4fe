// What imgsync reads from one image file: the image's own EXIF/IPTC/XMP (through Exiv2), then
// its sidecars (sidecar_reader.h), its content type (mime_sniffer.h), size and SHA-256.
// Precedence and formats: src/media/README.md.
#pragma once

#include <filesystem>
#include <string_view>

#include "media/image_metadata.h"
#include "util/hashing.h"
#include "util/result.h"

namespace imgsync::media {

// Never throws. kLocalIo: the file (or a sidecar) cannot be read. kInvalidInput: not an image
// format imgsync recognises, damaged metadata Exiv2 refuses to read, or a malformed sidecar.
// Without any capture time in the file or its sidecars, the file's mtime in the system's time
// zone is used (source kFileModificationTime).
// `digests`, when given, receives the file's SHA-256 and MD5 from the same single read.
Result<ImageMetadata> extract_metadata(const std::filesystem::path& file,
                                       FileDigests* digests = nullptr);

// The image's own metadata from bytes in memory: no sidecars, no hashing, no mtime fallback
// (captured_at stays empty when the bytes carry no time). For fuzzing and tests. Never throws.
Result<ImageMetadata> extract_embedded_metadata(std::string_view bytes);

}  // namespace imgsync::media
