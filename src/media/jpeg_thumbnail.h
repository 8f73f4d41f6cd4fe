// The common case of make_thumbnail, made with libjpeg(-turbo) alone: a JPEG source scaled in
// the DCT while it is decoded (1/8 to 1), area-averaged to the exact size, turned upright by its
// EXIF orientation and written as a JPEG with no metadata. For small and mid-sized images this is
// a third of libvips' cost (its pipeline set-up dominates there: docs/benchmarks.md, thumbnails);
// the pixels agree with libvips' thumbnail within a few levels (tests/media/thumbnail_test.cpp).
//
// Only what it reproduces exactly is taken: 8-bit greyscale or YCbCr/RGB JPEGs without an ICC
// profile (libvips would colour-manage those), of at most 256 megapixels. For anything else, or
// a file libjpeg stops on, it answers nullopt and the caller uses libvips, which then reports
// what is wrong with the file. Safe on any thread (one libjpeg object per call).
#pragma once

#include <filesystem>
#include <optional>

#include "media/thumbnail.h"

namespace imgsync::media {

std::optional<Thumbnail> jpeg_fast_thumbnail(const std::filesystem::path& file,
                                             const ThumbnailOptions& options);

}  // namespace imgsync::media
