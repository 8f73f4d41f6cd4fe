#include "media/iptc_reader.h"

#include <cstdint>
#include <string>

#include <exiv2/datasets.hpp>
#include <exiv2/jpgimage.hpp>

#include "media/byte_reader.h"
#include "media/capture_time_parser.h"
#include "media/metadata_text.h"

namespace imgsync::media {

namespace {

constexpr std::string_view kPhotoshopHeader("Photoshop 3.0\0", 14);
constexpr std::uint8_t kEnvelopeRecordMarker = 0x1c;

// Whether the raw TimeCreated (2:60) names a zone ("HHMMSS+HHMM"); nullopt when absent.
std::optional<bool> time_created_has_zone(std::string_view records) {
  const ByteReader reader(records, true);
  std::size_t at = 0;
  while (at + 5 <= records.size() &&
         static_cast<unsigned char>(records[at]) == kEnvelopeRecordMarker) {
    const auto record = static_cast<unsigned char>(records[at + 1]);
    const auto dataset = static_cast<unsigned char>(records[at + 2]);
    const std::uint16_t length = *reader.u16(at + 3);
    if ((length & 0x8000) != 0) return std::nullopt;  // extended length: not a time
    if (record == 2 && dataset == Exiv2::IptcDataSets::TimeCreated) {
      const auto value = reader.slice(at + 5, length);
      if (!value) return std::nullopt;
      return value->size() >= 11 && ((*value)[6] == '+' || (*value)[6] == '-');
    }
    at += 5 + length;
  }
  return std::nullopt;
}

}  // namespace

MetadataLayer read_iptc_layer(const Exiv2::IptcData& iptc,
                              std::optional<std::string_view> raw_records) {
  MetadataLayer layer;
  std::string date, time;
  for (const Exiv2::Iptcdatum& datum : iptc) {
    if (datum.record() != Exiv2::IptcDataSets::application2) continue;
    if (datum.tag() == Exiv2::IptcDataSets::Keywords) add_unique_tag(layer.tags, datum.toString());
    if (datum.tag() == Exiv2::IptcDataSets::DateCreated && date.empty()) date = datum.toString();
    if (datum.tag() == Exiv2::IptcDataSets::TimeCreated && time.empty()) time = datum.toString();
  }
  // Exiv2 spells them "2026-05-03" and "14:22:05+02:00"; a date alone is no capture time.
  if (date.empty() || time.empty()) return layer;
  auto created = parse_capture_time(date + "T" + time);
  if (!created) return layer;
  created->source = CaptureTimeSource::kIptcDateCreated;
  const std::optional<bool> has_zone =
      raw_records ? time_created_has_zone(*raw_records) : std::nullopt;
  if (has_zone ? !*has_zone : created->utc_offset_minutes == 0) {
    created->utc_offset_minutes.reset();
  }
  layer.time_candidates.push_back(*created);
  return layer;
}

std::optional<std::string_view> find_photoshop_resources(std::string_view bytes) {
  const std::size_t at = bytes.find(kPhotoshopHeader);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view resources = bytes.substr(at + kPhotoshopHeader.size());
  if (at >= 4 && bytes.substr(at - 4, 2) == "\xff\xed") {
    const auto length = ByteReader(bytes, true).u16(at - 2);
    if (length && *length >= 2 + kPhotoshopHeader.size()) {
      resources = resources.substr(0, *length - 2 - kPhotoshopHeader.size());
    }
  }
  return resources;
}

std::optional<std::string_view> iptc_records_in_photoshop(std::string_view resources) {
  const Exiv2::byte* record = nullptr;
  std::uint32_t header_size = 0, data_size = 0;
  const auto* data = reinterpret_cast<const Exiv2::byte*>(resources.data());
  if (Exiv2::Photoshop::locateIptcIrb(data, static_cast<long>(resources.size()), &record,
                                      &header_size, &data_size) != 0) {
    return std::nullopt;
  }
  const std::size_t start = static_cast<std::size_t>(record - data) + header_size;
  if (start > resources.size() || data_size > resources.size() - start) return std::nullopt;
  return resources.substr(start, data_size);
}

}  // namespace imgsync::media
