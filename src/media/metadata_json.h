// The JSON shape of `imgsync meta --json`: one object per file, the same keys for successes
// and failures (values null where unknown), so consumers never need to test for a key.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "media/image_metadata.h"
#include "util/result.h"

namespace imgsync::media {

// {"path", "mime", "width", "height", "orientation", "captured_at" (RFC 3339, offset when known),
//  "captured_at_source", "offset_known", "gps": {"lat","lon","alt"} or null,
//  "camera": {"make","model","lens","serial"}, "tags", "sha256", "bytes", "error": null}
// plus "gps_timestamp", "image_direction" and "drone" (null when absent), "metadata_status"
// ("complete", "partial", "unreadable") and "metadata_error" (null when complete).
nlohmann::json metadata_to_json(const ImageMetadata& metadata);

// The same keys for a file that could not be read: values null, "error" the message.
nlohmann::json metadata_error_to_json(const std::string& path, const Error& error);

}  // namespace imgsync::media
