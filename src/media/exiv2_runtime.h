// One-time, process-wide Exiv2 set-up shared by every reader: silence Exiv2's own logging (it
// writes warnings for damaged files straight to stderr), initialise the XMP toolkit once with a
// lock so threads may read images concurrently, and enable ISO BMFF (HEIC, HEIF, AVIF, CR3, JXL)
// when the library was built with it.
#pragma once

namespace imgsync::media {

// Idempotent and thread-safe; every function that calls into Exiv2 calls this first.
void initialize_exiv2();

// Whether this Exiv2 build reads ISO BMFF files (HEIC/AVIF/CR3).
bool exiv2_supports_bmff();

}  // namespace imgsync::media
