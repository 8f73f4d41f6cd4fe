// `imgsync publish`: a static web gallery of the archive (or of a search's matches) at
// [PREFIX/]gallery/index.html. One page holds everything (gallery_page.h); what it links:
// - public: stripped copies under gallery/ (gallery_copies.h) by relative URLs, so only
//   gallery/ needs to be public; refused while raw/, enhanced/ or metadata/ are anonymously
//   readable (gallery_access.h) unless allow_public_originals.
// - private: presigned URLs that live `expires` (at most 7 days), the page's own included; of
//   the originals and their Items, or with strip_gps of the stripped copies.
// With strip_gps no position reaches the page or the map and no Item is linked; the files it
// links are copies imgsync stripped itself, so what the index or a sidecar says about a position
// decides nothing. Before writing anything a private publish checks that anonymous readers
// cannot read the page's key, so a private gallery never replaces (or becomes) a public one.
// Re-publishing removes the copies of captures that left the filter.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
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
  bool allow_public_originals = false;          // public: skip the check of raw/, enhanced/, ...
  std::chrono::seconds expires{7 * 24 * 3600};  // private galleries' links
  std::string title = "imgsync gallery";
  int image_long_edge = 2048;     // the copies' long edge (pixels)
  int thumbnail_long_edge = 512;  // the copies' thumbnails
  std::filesystem::path scratch_dir;
};

// Whether the gallery links stripped copies under gallery/ rather than the originals.
bool gallery_uses_copies(const GalleryOptions& options);

struct GalleryReport {
  std::string key;  // where index.html went
  std::string url;  // how to open it (public URL, or presigned)
  int images = 0;   // in the page
  int failed = 0;   // captures left out: no copy could be made (reported through on_failure)
  int removed = 0;  // copies of captures that left the filter, deleted
  bool publicly_readable = true;  // public galleries: an anonymous GET of the page worked
  int anonymous_status = 0;       // its HTTP status (0: no answer)
};

// The object keys one entry links (empty: none) and the position it shows.
struct GalleryLinks {
  std::string thumb{}, full{}, raw{}, item{};
  std::optional<double> latitude{}, longitude{}, altitude{};
};

// The links of a hit whose originals are linked (a private gallery without strip_gps).
GalleryLinks original_links(const catalog::SearchHit& hit);

// One entry of the page per hit: id, local ("YYYY-MM-DDTHH:MM:SS"), offset, utc, camera, lens,
// width, height, tags, bytes, lat/lon/alt, and the links thumb, full, raw, item (URLs).
// `links[i]` belongs to `hits[i]`; `link` turns an object key into a URL. Positions are left
// out whatever `links` says when options.strip_gps.
Result<nlohmann::json> gallery_entries(
    const std::vector<catalog::SearchHit>& hits, const std::vector<GalleryLinks>& links,
    const GalleryOptions& options,
    const std::function<Result<std::string>(const std::string&)>& link);

// Checks, makes the copies, builds the page, uploads it, removes stale copies and says where the
// page is. A capture whose copy cannot be made is left out and reported through on_failure.
Result<GalleryReport> publish_gallery(
    const std::vector<catalog::SearchHit>& hits, s3::S3Client& client,
    const BucketLocation& location, const GalleryOptions& options,
    const std::function<void(const std::string& id, const Error& error)>& on_failure = {});

}  // namespace imgsync::app
