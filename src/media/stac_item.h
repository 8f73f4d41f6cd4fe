// The STAC 1.0.0 Item of one capture (docs/design.md §2): what the bucket says about a photo,
// stored at metadata/YYYY/MM/DD/<name>.json beside the assets it links. Valid against the official
// item.json schema (tests/media/stac_item_test.cpp checks this offline with ajv).
//
// Choices a reader of the Items relies on:
// - Time. With a known UTC offset: `datetime` is the UTC instant ("…Z", milliseconds when known).
//   Without one the instant is unknown, so `datetime` is null and `start_datetime`/`end_datetime`
//   bound it by every offset in use on Earth (UTC-12:00 … UTC+14:00): [local-14h, local+12h].
//   Always: `imgsync:local_datetime` (wall clock, no designator), `imgsync:offset_known`; with an
//   offset also `imgsync:utc_offset` ("+02:00"). `created` is the upload time.
// - Metadata read only in part (or not at all): `imgsync:metadata_status` ("partial",
//   "unreadable") and `imgsync:metadata_error` (what failed); absent after a complete read.
// - hrefs are relative to the Item's own key ("../../../../raw/2026/05/03/x.cr3"), so the bucket
//   or prefix can move or be mirrored without rewriting Items. The only absolute link is an
//   optional `self` (STAC wants self absolute), given by the caller.
// - Extensions: only file v2.1.0 (file:size, file:checksum = multihash "1220" + sha256 hex),
//   declared when there is an asset. Everything imgsync-specific is `imgsync:*`; width and
//   height are imgsync:width/imgsync:height rather than proj:shape, to stay off the projection
//   extension's geo-referencing semantics.
// - `platform` is the lower-case camera make, `instruments` the lower-case model.
// - No GPS (or coordinates out of range): `geometry` null and no `bbox`, as the spec requires.
//   With altitude the point has 3 coordinates and the bbox 6 numbers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "media/image_metadata.h"
#include "util/result.h"

namespace imgsync::media {

inline constexpr const char* kStacVersion = "1.0.0";
inline constexpr const char* kFileExtensionSchema =
    "https://stac-extensions.github.io/file/v2.1.0/schema.json";

// One object of a capture in the bucket.
struct AssetInfo {
  std::string key;   // object key, e.g. "raw/2026/05/03/alps_img-0042_20260503.cr3"
  std::string mime;  // "image/x-canon-cr3", "image/jpeg", "image/webp"
  std::uint64_t bytes = 0;
  std::string sha256;  // 64 hex digits
};

struct CaptureRecord {
  std::string name;         // the Item id (media/naming.h)
  std::string item_key;     // where this Item is stored; hrefs are relative to it
  std::string catalog_key;  // the root catalog, e.g. "catalog/catalog.json" (with the prefix)
  ImageMetadata primary;    // the file that dates and describes the capture (the raw if any)
  std::optional<AssetInfo> raw, enhanced, thumbnail;
  std::chrono::sys_seconds created{};    // upload time
  std::optional<std::string> self_href;  // the Item's absolute URL when known
};

// kInvalidInput when the record cannot make a valid Item: unsafe name or keys, no valid capture
// time, an asset without a 64-hex sha256.
Result<nlohmann::json> build_stac_item(const CaptureRecord& record);

// Adds (or replaces) one asset of an existing Item: slot "raw", "enhanced" or "thumbnail". For an
// asset that arrives after the Item was built from another file of the same capture.
Status add_stac_asset(nlohmann::json& item, const std::string& item_key, const std::string& slot,
                      const AssetInfo& asset);

// Identifiers written as imgsync:captured_at_source; stable, part of the Item format.
const char* stac_capture_time_source(CaptureTimeSource source);

// "YYYY-MM-DDTHH:MM:SSZ".
std::string format_utc_timestamp(std::chrono::sys_seconds time);

}  // namespace imgsync::media
