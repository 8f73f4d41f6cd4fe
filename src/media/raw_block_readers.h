// Readers of our own for the metadata of formats Exiv2 0.27 rejects or does not know, each over
// untrusted bytes in memory: bounded, linear in the input, no recursion beyond a fixed depth and
// never throwing (Exiv2 calls inside are caught by the caller's block guard). Each returns a
// layer with time candidates (and GPS, camera where the format has them), or an error saying
// what is wrong with the bytes.
#pragma once

#include <string_view>

#include "media/metadata_layer.h"
#include "util/result.h"

namespace imgsync::media {

// Canon CR3 (ISO BMFF): the TIFF structures in moov/uuid(85c0b687...)/CMT1 (IFD0), CMT2 (Exif
// IFD) and CMT4 (GPS IFD), decoded through Exiv2's TIFF parser; and moov/mvhd's creation time
// as a container time (offset unknown). `head` is the start of the file (moov comes first).
Result<MetadataLayer> read_cr3_layer(std::string_view head);

// Sigma/Foveon X3F: the EXIF of the JPEG preview in an IMA2 section (newer cameras), and the
// PROP section's TIME (seconds, local clock), CAMMANUF and CAMMODEL. `file` is the whole file
// (the section directory is at its end).
Result<MetadataLayer> read_x3f_layer(std::string_view file);

// A FLIR FFF record stream (from a .fff file or a JPEG's reassembled "FLIR" APP1 segments):
// CameraInfo's DateTimeOriginal (with its zone) and the GPSInfo record.
Result<MetadataLayer> read_flir_fff_layer(std::string_view fff);

// A Canon CIFF heap (a .crw file's structure, also found in the APP0 segment of some early JPEGs):
// the TimeStamp (local clock, offset unknown) and the make and model.
Result<MetadataLayer> read_ciff_layer(std::string_view ciff);

// What a JPEG's APP segments hold that Exiv2 0.27 does not read: the FLIR APP1 records
// (reassembled in chunk order), the "[picture info]" segment of early Olympus/Sanyo cameras and a
// CIFF heap in APP0.
// `head` is the start of the file, at least up to the first SOS marker for complete results.
Result<MetadataLayer> read_jpeg_vendor_segments(std::string_view head);

}  // namespace imgsync::media
