// JPEG XR (.jxr, .wdp, .hdp): Exiv2 0.27 has no reader for it, yet its container is a TIFF-style
// IFD behind the magic "II\xBC\x01" carrying the usual Exif, GPS and XMP pointers. With the magic
// swapped for TIFF's, Exiv2's TIFF parser reads that IFD like any other.
#pragma once

#include <string_view>

#include "media/metadata_layer.h"
#include "util/result.h"

namespace imgsync::media {

// The whole file's bytes. kInvalidInput when the IFD cannot be parsed; may throw Exiv2 errors
// (the extractor's boundary catches them).
Result<MetadataLayer> read_jpeg_xr_layer(std::string_view file_bytes);

}  // namespace imgsync::media
