// The copies a gallery links instead of the originals: for each published capture a web-size
// image (gallery/images/<id>.webp, long edge `image_long_edge`) and a thumbnail
// (gallery/thumbs/<id>.webp), both made by media/thumbnail.h from the capture's own bytes
// (enhanced, else raw) and stripped of every metadata block there. So a public gallery needs
// only gallery/ to be public, and whatever the index or a sidecar says about a position, no file
// the gallery links carries one.
#pragma once

#include <filesystem>
#include <set>
#include <string>

#include "app/search_service.h"
#include "catalog/search_index.h"
#include "s3/s3_client.h"
#include "util/result.h"

namespace imgsync::app {

struct GalleryCopyOptions {
  int image_long_edge = 2048;     // pixels, never enlarged
  int thumbnail_long_edge = 512;  // pixels
  std::string cache_control = "max-age=300";
  std::filesystem::path scratch_dir;  // a raw original is written here for its embedded preview
};

struct GalleryCopy {
  std::string image_key;
  std::string thumbnail_key;
};

// The keys of `id`'s copies; kInvalidInput for an id that is no safe name (media/naming.h).
Result<GalleryCopy> gallery_copy_keys(const BucketLocation& location, const std::string& id);

// Downloads the hit's full image, makes both copies and uploads them (images first, so a page
// never links a copy that is not there). kInvalidInput when the hit has no image or it cannot
// be decoded.
Result<GalleryCopy> publish_gallery_copy(const catalog::SearchHit& hit, s3::S3Client& client,
                                         const BucketLocation& location,
                                         const GalleryCopyOptions& options);

// Deletes every object under gallery/images/ and gallery/thumbs/ not in `keep`: the captures
// that left the filter. Returns how many went.
Result<int> remove_stale_gallery_copies(s3::S3Client& client, const BucketLocation& location,
                                        const std::set<std::string>& keep);

}  // namespace imgsync::app
