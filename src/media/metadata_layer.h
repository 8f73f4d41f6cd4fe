// What one source says about an image (the EXIF/IPTC block, the embedded XMP packet, one sidecar),
// every field optional. The extractor stacks layers: embedded EXIF first, embedded XMP filling
// its gaps, then sidecars overriding (see README.md for the order), and turns the result into an
// ImageMetadata.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "media/image_metadata.h"

namespace imgsync::media {

struct MetadataLayer {
  std::optional<CaptureTime> captured_at;
  // Every time the image's own readers found (EXIF, XMP, IPTC, maker notes, container), in any
  // order; resolve_capture_time() picks the strongest into captured_at.
  std::vector<CaptureTime> time_candidates;
  // Times from weaker sources that `captured_at` superseded, newest last: a later time without a
  // zone still takes the offset of any of them naming the same wall-clock second.
  std::vector<CaptureTime> superseded_times;
  std::optional<GpsPosition> gps;
  bool gps_removed = false;  // a sidecar said "no position" ("gps": null): drop what is below
  std::optional<std::string> gps_timestamp;
  std::optional<double> image_direction;
  std::optional<std::string> make, model, lens, serial;
  std::optional<int> width, height;
  std::optional<int> orientation;
  std::vector<std::string> tags;
  DroneInfo drone;  // all fields optional; empty when no drone data
};

bool has_drone_data(const DroneInfo& drone);

// Fills what `base` lacks from `fallback`; tags are united. A time without an offset takes the
// fallback's offset when both name the same wall-clock moment (an XMP date repeating the EXIF
// date with its zone).
void fill_missing(MetadataLayer& base, const MetadataLayer& fallback);

// Everything `overlay` sets replaces what `base` has; tags are united. `gps_removed` clears the
// position. An overlay time without an offset keeps the offset of the nearest weaker time (the
// base's, or one the base's own time superseded) that names the same wall-clock second.
void override_with(MetadataLayer& base, const MetadataLayer& overlay);

// Moves the strongest of `time_candidates` (CaptureTimeSource order, README.md) into
// captured_at unless it is already set; the others become superseded times, so a chosen time
// without an offset takes the offset of another naming the same wall-clock second.
void resolve_capture_time(MetadataLayer& layer);

// Copies the layer into the result fields of `metadata` (time, GPS, camera, size, tags, drone).
void apply_layer(const MetadataLayer& layer, ImageMetadata& metadata);

}  // namespace imgsync::media
