// The EXIF block Exiv2 has read from an image, as a MetadataLayer:
// capture time with offset and subseconds, GPS, camera, orientation, keywords. Absent or
// implausible values (blank or zeroed dates, a GPS IFD without both coordinates and their
// hemispheres) stay absent.
#pragma once

#include <exiv2/exif.hpp>

#include "media/metadata_layer.h"

namespace imgsync::media {

// Times found go to time_candidates: DateTimeOriginal (Photo IFD, else IFD0), DateTimeDigitized
// (exiftool's CreateDate), each with its own OffsetTime*/SubSecTime* tag, and the time of a maker
// note Exiv2 leaves undecoded (maker_note_times.h).
MetadataLayer read_exif_layer(const Exiv2::ExifData& exif);

// True when IFD0 carries DNGVersion: a TIFF container that is really an Adobe DNG.
bool exif_says_dng(const Exiv2::ExifData& exif);

}  // namespace imgsync::media
