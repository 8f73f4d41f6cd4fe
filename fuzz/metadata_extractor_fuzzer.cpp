// libFuzzer target for everything media/ parses from untrusted files: the image through Exiv2
// (extract_embedded_metadata: EXIF, IPTC, XMP, JPEG XR, HEIF boxes), the content sniffer, and the
// date and sidecar parsers. Seeded by scripts/run-fuzzers with the corpus images.
// Exiv2 itself is the system library, not instrumented: ASan sees its heap through the
// allocator and its memcpy/strlen through interceptors, but coverage guidance is ours only.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "media/capture_time_parser.h"
#include "media/heif_image_size.h"
#include "media/metadata_extractor.h"
#include "media/metadata_json.h"
#include "media/mime_sniffer.h"
#include "media/sidecar_reader.h"
#include "media/xmp_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace imgsync::media;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  const auto metadata = extract_embedded_metadata(bytes);
  if (metadata.ok()) {
    // The JSON shape must be producible (valid UTF-8, no throw) for whatever was read.
    (void)metadata_to_json(*metadata).dump();
  }
  (void)sniff_mime(bytes.substr(0, kMimeSniffBytes));
  (void)heif_primary_size_from_bytes(bytes);

  const std::string_view head = bytes.substr(0, 64);
  (void)parse_capture_time(head);
  (void)parse_utc_offset_minutes(head);
  (void)parse_subsecond_milliseconds(head);
  (void)parse_xmp_coordinate(head, true);
  (void)parse_xmp_number(head);
  if (!bytes.empty() && bytes.front() == '{') (void)parse_json_sidecar(bytes);
  if (!bytes.empty() && bytes.front() == '<') (void)parse_xmp_sidecar(std::string(bytes));
  return 0;
}
