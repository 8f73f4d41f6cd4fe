// `imgsync publish`: a static web gallery of the archive (or of a search's matches) at
// [PREFIX/]gallery/index.html. One page holds everything (gallery_page.h); the images stay where
// sync put them and are linked:
// - public: by relative URLs (the bucket policy must let anyone read gallery/, thumbnails/ and
//   the full images: `imgsync init --public-prefix ...`); with strip_gps (the default for a
//   public gallery) no position reaches the page, no Item is linked, and a full image that
//   carries a position in its EXIF is withheld, since thumbnails are the only copies imgsync
//   strips.
// - private: by presigned URLs that live `expires` (at most 7 days); the page itself is shared
//   by a presigned URL of the same lifetime.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/search_service.h"
#include "catalog/search_index.h"
#include "s3/s3_client.h"
#include "util/result.h"

namespace imgsync::app {

struct GalleryOptions {
  bool is_public = false;
  bool strip_gps = false;
  std::chrono::seconds expires{7 * 24 * 3600};  // private galleries' links
  std::string title = "imgsync gallery";
};

struct GalleryReport {
  std::string key;   // where index.html went
  std::string url;   // how to open it (public URL, or presigned)
  int images = 0;    // in the page
  int withheld = 0;  // full images left unlinked because they carry a position (strip_gps)
  bool publicly_readable = true;  // public galleries: an anonymous GET of the page worked
  int anonymous_status = 0;       // its HTTP status (0: no answer)
};

// One entry of the page per hit: id, local ("YYYY-MM-DDTHH:MM:SS"), offset, utc, camera, lens,
// width, height, tags, bytes, lat/lon/alt (unless strip_gps), and the links thumb, full, raw,
// item (URLs), withheld (why a link is missing). `link` turns an object key into a URL.
Result<nlohmann::json> gallery_entries(
    const std::vector<catalog::SearchHit>& hits, const GalleryOptions& options,
    const std::function<Result<std::string>(const std::string&)>& link, int* withheld = nullptr);

// Builds the page for `hits`, uploads it and says where it is.
Result<GalleryReport> publish_gallery(const std::vector<catalog::SearchHit>& hits,
                                      s3::S3Client& client, const BucketLocation& location,
                                      const GalleryOptions& options);

}  // namespace imgsync::app
