// Sidecar files next to an image that override or extend what the image itself says
// (precedence and the JSON format: src/media/README.md).
//   IMG.xmp / IMG.XMP        XMP shared by all files of a capture (Lightroom, Capture One)
//   IMG.ext.xmp / .XMP       XMP for this one file (darktable, digiKam)
//   IMG.json                 imgsync's own JSON sidecar, written by people and scripts
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "media/metadata_layer.h"
#include "util/result.h"

namespace imgsync::media {

enum class SidecarFormat { kXmp, kJson };

struct Sidecar {
  std::filesystem::path path;
  SidecarFormat format = SidecarFormat::kXmp;
};

// The sidecars that exist for `image`, weakest first: IMG.xmp, IMG.ext.xmp, IMG.json.
std::vector<Sidecar> find_sidecars(const std::filesystem::path& image);

// Whether the file name is a sidecar's (.xmp, .XMP, .json, .JSON): never an image itself.
bool is_sidecar_name(const std::filesystem::path& path);

// The inverse of find_sidecars, for a watcher that sees a sidecar arrive (or change) after its
// image: the existing files next to `sidecar` whose find_sidecars() includes it, sorted. For
// IMG.ext.xmp that is IMG.ext; for IMG.xmp and IMG.json every IMG.* of the capture (IMG.CR3,
// IMG.JPG...). Empty when `sidecar` has no sidecar name or no image exists (yet).
std::vector<std::filesystem::path> images_for_sidecar(const std::filesystem::path& sidecar);

// kLocalIo when unreadable, kInvalidInput when malformed (the message names the sidecar).
// A capture time from a sidecar has source kSidecar.
Result<MetadataLayer> read_sidecar(const Sidecar& sidecar);

// The parsers behind read_sidecar, on text already in memory.
Result<MetadataLayer> parse_xmp_sidecar(const std::string& packet);
Result<MetadataLayer> parse_json_sidecar(std::string_view text);

}  // namespace imgsync::media
