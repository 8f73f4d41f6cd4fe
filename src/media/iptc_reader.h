// The IPTC block (IIM records): keywords, and DateCreated + TimeCreated as a time candidate with
// TimeCreated's offset. Exiv2 0.27 reads a TimeCreated without a zone ("142205") as +00:00, so
// whether there is a zone is decided from the raw records: imgsync never invents UTC.
#pragma once

#include <optional>
#include <string_view>

#include <exiv2/iptc.hpp>

#include "media/metadata_layer.h"

namespace imgsync::media {

// `raw_records`: the same IIM records as bytes, when they can be found; without them an offset
// of +00:00 counts as unknown (it cannot be told from Exiv2's default).
MetadataLayer read_iptc_layer(const Exiv2::IptcData& iptc,
                              std::optional<std::string_view> raw_records);

// The Photoshop image resources after "Photoshop 3.0\0" in `bytes` (a JPEG APP13 segment),
// bounded by the segment's length when the segment header is there.
std::optional<std::string_view> find_photoshop_resources(std::string_view bytes);

// The IIM records of the IPTC resource (8BIM 0x0404) among Photoshop image resources.
std::optional<std::string_view> iptc_records_in_photoshop(std::string_view resources);

}  // namespace imgsync::media
