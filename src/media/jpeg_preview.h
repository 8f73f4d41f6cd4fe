// Where a camera JPEG keeps a larger preview of itself. The Multi-Picture Format (CIPA DC-007)
// index, an APP2 "MPF" segment of the primary image, lists the images stored after it; cameras
// store a "large thumbnail" there (1620 to 1920 pixels wide, typically), a rendering of the same
// picture. A thumbnail made from it decodes a few hundred kilobytes instead of a 24-megapixel
// primary's 8-15 MB, whose entropy data libjpeg must decode whatever the DCT scale.
//
// The header is read from untrusted bytes: every offset and length is checked against the
// segment and the file, and anything that does not add up is no preview (the caller decodes the
// primary image, as without one).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <vector>

namespace imgsync::media {

// The Orientation tag (0x0112) of IFD0 in an APP1 segment's data ("Exif\0\0" and a TIFF
// header); 1 when there is none or it is out of range.
int exif_orientation(const std::uint8_t* data, std::size_t size);

struct JpegLayout {
  int width = 0;  // the primary image's, from its frame header
  int height = 0;
  int orientation = 1;       // its EXIF orientation
  bool has_profile = false;  // it carries an ICC profile (APP2 "ICC_PROFILE")
  struct Preview {
    std::uint64_t offset = 0;  // from the start of the file
    std::uint64_t size = 0;
  };
  std::vector<Preview> previews;  // the MPF index's images after the primary, in its order
};

// The primary image's size, orientation and profile, and its MPF previews, from the markers before
// its scan; nullopt when the file does not start as a JPEG. Reads from the start of `file`; its
// position is left anywhere.
std::optional<JpegLayout> read_jpeg_layout(std::FILE* file);

}  // namespace imgsync::media
