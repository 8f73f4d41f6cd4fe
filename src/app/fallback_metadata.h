// What imgsync records for a file whose metadata cannot be read (a damaged JPEG, a raw format
// Exiv2 does not know, a HEIC whose ICC profile it rejects): every file is archived all the same,
// with what the file itself tells without parsing it (size, hashes, type by content or extension,
// the file's modification time as its capture time, marked so) and the reason in
// `metadata_error`, which the Item carries as imgsync:metadata_error.
#pragma once

#include <filesystem>

#include "media/image_metadata.h"
#include "util/hashing.h"
#include "util/result.h"

namespace imgsync::app {

// kLocalIo only when the file cannot be read at all. `why` is the metadata reader's error.
Result<media::ImageMetadata> fallback_metadata(const std::filesystem::path& file, const Error& why,
                                               FileDigests& digests);

}  // namespace imgsync::app
