#include "media/exif_reader.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include <exiv2/tags.hpp>
#include <exiv2/value.hpp>

#include "media/capture_time_parser.h"
#include "media/maker_note_times.h"
#include "media/metadata_text.h"

namespace imgsync::media {

namespace {

// Exiv2's IFD ids are internal numbers; ask Exiv2 for them once, then match datums by (IFD, tag)
// in a single pass instead of one key lookup (a linear search with string building) per field.
struct GroupIds {
  int image, photo, gps, thumbnail, canon, nikon;
};

const GroupIds& group_ids() {
  static const GroupIds ids{
      Exiv2::ExifKey(0x010f, "Image").ifdId(),   Exiv2::ExifKey(0x9003, "Photo").ifdId(),
      Exiv2::ExifKey(0x0002, "GPSInfo").ifdId(), Exiv2::ExifKey(0x010f, "Thumbnail").ifdId(),
      Exiv2::ExifKey(0x0095, "Canon").ifdId(),   Exiv2::ExifKey(0x001d, "Nikon3").ifdId(),
  };
  return ids;
}

// The datums this reader uses; the first occurrence of each wins.
struct ExifFields {
  const Exiv2::Exifdatum *date_original = nullptr, *image_date_original = nullptr,
                         *date_digitized = nullptr;
  const Exiv2::Exifdatum *offset_original = nullptr, *offset_digitized = nullptr;
  const Exiv2::Exifdatum *subsec_original = nullptr, *subsec_digitized = nullptr;
  const Exiv2::Exifdatum *make = nullptr, *model = nullptr, *thumbnail_make = nullptr,
                         *thumbnail_model = nullptr;
  const Exiv2::Exifdatum *orientation = nullptr, *xp_keywords = nullptr;
  const Exiv2::Exifdatum *lens_model = nullptr, *canon_lens_model = nullptr;
  const Exiv2::Exifdatum *body_serial = nullptr, *camera_serial = nullptr, *nikon_serial = nullptr;
  const Exiv2::Exifdatum *latitude_ref = nullptr, *latitude = nullptr, *longitude_ref = nullptr,
                         *longitude = nullptr, *altitude_ref = nullptr, *altitude = nullptr;
  const Exiv2::Exifdatum *gps_time = nullptr, *gps_date = nullptr, *image_direction = nullptr;
  const Exiv2::Exifdatum* maker_note = nullptr;  // undecoded by Exiv2 (e.g. Reconyx)
};

void keep_first(const Exiv2::Exifdatum*& slot, const Exiv2::Exifdatum& datum) {
  if (slot == nullptr && datum.count() > 0) slot = &datum;
}

// Which datum fills which field: the group (IFD) and tag of each.
struct FieldSlot {
  int GroupIds::*group;
  std::uint16_t tag;
  const Exiv2::Exifdatum* ExifFields::*field;
};

constexpr FieldSlot kFieldSlots[] = {
    {&GroupIds::image, 0x010f, &ExifFields::make},
    {&GroupIds::image, 0x0110, &ExifFields::model},
    {&GroupIds::image, 0x0112, &ExifFields::orientation},
    {&GroupIds::image, 0x9003, &ExifFields::image_date_original},
    {&GroupIds::image, 0x9c9e, &ExifFields::xp_keywords},
    {&GroupIds::image, 0xc62f, &ExifFields::camera_serial},
    {&GroupIds::photo, 0x9003, &ExifFields::date_original},
    {&GroupIds::photo, 0x9004, &ExifFields::date_digitized},
    {&GroupIds::photo, 0x9011, &ExifFields::offset_original},
    {&GroupIds::photo, 0x9012, &ExifFields::offset_digitized},
    {&GroupIds::photo, 0x9291, &ExifFields::subsec_original},
    {&GroupIds::photo, 0x9292, &ExifFields::subsec_digitized},
    {&GroupIds::photo, 0xa431, &ExifFields::body_serial},
    {&GroupIds::photo, 0xa434, &ExifFields::lens_model},
    {&GroupIds::photo, 0x927c, &ExifFields::maker_note},
    {&GroupIds::gps, 0x0001, &ExifFields::latitude_ref},
    {&GroupIds::gps, 0x0002, &ExifFields::latitude},
    {&GroupIds::gps, 0x0003, &ExifFields::longitude_ref},
    {&GroupIds::gps, 0x0004, &ExifFields::longitude},
    {&GroupIds::gps, 0x0005, &ExifFields::altitude_ref},
    {&GroupIds::gps, 0x0006, &ExifFields::altitude},
    {&GroupIds::gps, 0x0007, &ExifFields::gps_time},
    {&GroupIds::gps, 0x0011, &ExifFields::image_direction},
    {&GroupIds::gps, 0x001d, &ExifFields::gps_date},
    {&GroupIds::thumbnail, 0x010f, &ExifFields::thumbnail_make},
    {&GroupIds::thumbnail, 0x0110, &ExifFields::thumbnail_model},
    {&GroupIds::canon, 0x0095, &ExifFields::canon_lens_model},
    {&GroupIds::nikon, 0x001d, &ExifFields::nikon_serial},
};

// The first non-empty datum of each field.
ExifFields collect_fields(const Exiv2::ExifData& exif) {
  const GroupIds& ids = group_ids();
  ExifFields f;
  for (const Exiv2::Exifdatum& datum : exif) {
    for (const FieldSlot& slot : kFieldSlots) {
      if (datum.tag() == slot.tag && datum.ifdId() == ids.*slot.group) {
        keep_first(f.*slot.field, datum);
        break;
      }
    }
  }
  return f;
}

std::string text_of(const Exiv2::Exifdatum* datum) {
  if (datum == nullptr) return {};
  // Only text-like types: printing a 64 KB undefined blob as numbers would be wasted work.
  switch (datum->typeId()) {
    case Exiv2::asciiString:
    case Exiv2::string:
    case Exiv2::undefined:
    case Exiv2::unsignedByte:
      break;
    default:
      return clean_text(datum->toString());
  }
  std::string bytes(static_cast<std::size_t>(datum->size()), '\0');
  datum->copy(reinterpret_cast<Exiv2::byte*>(bytes.data()), Exiv2::littleEndian);
  return clean_text(bytes);
}

std::optional<std::string> optional_text(const Exiv2::Exifdatum* datum) {
  std::string text = text_of(datum);
  if (text.empty()) return std::nullopt;
  return text;
}

// Component `index` as a double; nullopt for a zero denominator or a non-numeric type.
std::optional<double> number_at(const Exiv2::Exifdatum* datum, long index) {
  if (datum == nullptr || index >= datum->count()) return std::nullopt;
  const Exiv2::Value& value = datum->value();
  const auto index_size = static_cast<std::size_t>(index);
  switch (value.typeId()) {
    case Exiv2::unsignedRational: {
      const auto* typed = dynamic_cast<const Exiv2::URationalValue*>(&value);
      if (typed == nullptr || index_size >= typed->value_.size()) return std::nullopt;
      const Exiv2::URational r = typed->value_[index_size];
      if (r.second == 0) return std::nullopt;
      return static_cast<double>(r.first) / static_cast<double>(r.second);
    }
    case Exiv2::signedRational: {
      const auto* typed = dynamic_cast<const Exiv2::RationalValue*>(&value);
      if (typed == nullptr || index_size >= typed->value_.size()) return std::nullopt;
      const Exiv2::Rational r = typed->value_[index_size];
      if (r.second == 0) return std::nullopt;
      return static_cast<double>(r.first) / static_cast<double>(r.second);
    }
    case Exiv2::tiffDouble: {
      const auto* typed = dynamic_cast<const Exiv2::DoubleValue*>(&value);
      if (typed == nullptr || index_size >= typed->value_.size()) return std::nullopt;
      return std::isfinite(typed->value_[index_size]) ? std::optional(typed->value_[index_size])
                                                      : std::nullopt;
    }
    case Exiv2::tiffFloat: {
      const float number = value.toFloat(index);
      if (!value.ok() || !std::isfinite(number)) return std::nullopt;
      return static_cast<double>(number);
    }
    case Exiv2::unsignedByte:
    case Exiv2::unsignedShort:
    case Exiv2::unsignedLong:
    case Exiv2::signedByte:
    case Exiv2::signedShort:
    case Exiv2::signedLong: {
      const long number = value.toLong(index);
      if (!value.ok()) return std::nullopt;
      return static_cast<double>(number);
    }
    default:
      return std::nullopt;
  }
}

// Degrees from the 1 to 3 components degrees, minutes, seconds.
std::optional<double> degrees_of(const Exiv2::Exifdatum* datum) {
  if (datum == nullptr || datum->count() < 1) return std::nullopt;
  double total = 0;
  const long components = std::min<long>(datum->count(), 3);
  for (long i = 0; i < components; ++i) {
    const auto part = number_at(datum, i);
    if (!part || *part < 0) return std::nullopt;
    total += *part / std::pow(60.0, static_cast<double>(i));
  }
  return total;
}

char hemisphere_of(const Exiv2::Exifdatum* datum) {
  const std::string text = text_of(datum);
  return text.empty() ? '\0' : static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
}

// Both coordinates with their hemispheres, or nothing: a partial or empty GPS IFD is absent.
std::optional<GpsPosition> read_position(const ExifFields& f) {
  const auto latitude = degrees_of(f.latitude);
  const auto longitude = degrees_of(f.longitude);
  const char north_south = hemisphere_of(f.latitude_ref);
  const char east_west = hemisphere_of(f.longitude_ref);
  if (!latitude || !longitude) return std::nullopt;
  if ((north_south != 'N' && north_south != 'S') || (east_west != 'E' && east_west != 'W')) {
    return std::nullopt;
  }
  if (*latitude > 90 || *longitude > 180) return std::nullopt;
  GpsPosition position;
  position.latitude = north_south == 'S' ? -*latitude : *latitude;
  position.longitude = east_west == 'W' ? -*longitude : *longitude;
  if (const auto altitude = number_at(f.altitude, 0)) {
    const auto below_sea_level = number_at(f.altitude_ref, 0);
    position.altitude = (below_sea_level && *below_sea_level == 1) ? -*altitude : *altitude;
  }
  return position;
}

// GPSDateStamp + GPSTimeStamp as "YYYY-MM-DDTHH:MM:SSZ" (".mmm" when the seconds have a fraction).
std::optional<std::string> read_gps_timestamp(const ExifFields& f) {
  if (f.gps_time == nullptr || f.gps_time->count() < 3) return std::nullopt;
  const auto hour = number_at(f.gps_time, 0);
  const auto minute = number_at(f.gps_time, 1);
  const auto second = number_at(f.gps_time, 2);
  if (!hour || !minute || !second) return std::nullopt;
  const auto time = parse_capture_time(text_of(f.gps_date) + " 00:00:00");
  if (!time || *hour < 0 || *hour >= 24 || *minute < 0 || *minute >= 60 || *second < 0 ||
      *second >= 61) {
    return std::nullopt;
  }
  const int whole_seconds = static_cast<int>(*second);
  const int milliseconds = static_cast<int>(std::lround((*second - whole_seconds) * 1000));
  char buffer[48];
  const int length =
      std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d", time->year, time->month,
                    time->day, static_cast<int>(*hour), static_cast<int>(*minute), whole_seconds);
  std::string text(buffer, static_cast<std::size_t>(length));
  if (milliseconds > 0 && milliseconds < 1000) {
    std::snprintf(buffer, sizeof buffer, ".%03d", milliseconds);
    text += buffer;
  }
  return text + "Z";
}

std::optional<CaptureTime> read_time(const Exiv2::Exifdatum* date, const Exiv2::Exifdatum* offset,
                                     const Exiv2::Exifdatum* subseconds, CaptureTimeSource source) {
  if (date == nullptr) return std::nullopt;
  auto time = parse_capture_time(text_of(date));
  if (!time) return std::nullopt;
  if (!time->millisecond && subseconds != nullptr) {
    time->millisecond = parse_subsecond_milliseconds(text_of(subseconds));
  }
  if (!time->utc_offset_minutes && offset != nullptr) {
    time->utc_offset_minutes = parse_utc_offset_minutes(text_of(offset));
  }
  time->source = source;
  return time;
}

void add_windows_keywords(const Exiv2::Exifdatum* datum, std::vector<std::string>& tags) {
  if (datum == nullptr) return;
  std::string bytes(static_cast<std::size_t>(datum->size()), '\0');
  datum->copy(reinterpret_cast<Exiv2::byte*>(bytes.data()), Exiv2::littleEndian);
  const std::string keywords = utf16le_to_utf8(bytes);
  std::size_t start = 0;
  while (start <= keywords.size()) {
    const std::size_t end = keywords.find(';', start);
    const std::size_t stop = end == std::string::npos ? keywords.size() : end;
    add_unique_tag(tags, std::string_view(keywords).substr(start, stop - start));
    start = stop + 1;
  }
}

}  // namespace

MetadataLayer read_exif_layer(const Exiv2::ExifData& exif) {
  MetadataLayer layer;
  const ExifFields f = collect_fields(exif);

  auto original = read_time(f.date_original, f.offset_original, f.subsec_original,
                            CaptureTimeSource::kExifDateTimeOriginal);
  if (!original) {
    original = read_time(f.image_date_original, f.offset_original, f.subsec_original,
                         CaptureTimeSource::kExifDateTimeOriginal);
  }
  if (original) layer.time_candidates.push_back(*original);
  if (auto digitized = read_time(f.date_digitized, f.offset_digitized, f.subsec_digitized,
                                 CaptureTimeSource::kExifCreateDate)) {
    layer.time_candidates.push_back(*digitized);
  }
  if (f.maker_note != nullptr) {
    std::string note(static_cast<std::size_t>(f.maker_note->size()), '\0');
    f.maker_note->copy(reinterpret_cast<Exiv2::byte*>(note.data()), Exiv2::littleEndian);
    if (auto time = read_undecoded_maker_note_time(note)) layer.time_candidates.push_back(*time);
  }

  layer.gps = read_position(f);
  layer.gps_timestamp = read_gps_timestamp(f);
  if (const auto direction = number_at(f.image_direction, 0);
      direction && *direction >= 0 && *direction <= 360) {
    layer.image_direction = direction;
  }

  layer.make = optional_text(f.make);
  if (!layer.make) layer.make = optional_text(f.thumbnail_make);
  layer.model = optional_text(f.model);
  if (!layer.model) layer.model = optional_text(f.thumbnail_model);
  layer.lens = optional_text(f.lens_model);
  if (!layer.lens) layer.lens = optional_text(f.canon_lens_model);
  layer.serial = optional_text(f.body_serial);
  if (!layer.serial) layer.serial = optional_text(f.camera_serial);
  if (!layer.serial) layer.serial = optional_text(f.nikon_serial);

  if (const auto orientation = number_at(f.orientation, 0);
      orientation && *orientation >= 1 && *orientation <= 8) {
    layer.orientation = static_cast<int>(*orientation);
  }

  add_windows_keywords(f.xp_keywords, layer.tags);
  return layer;
}

bool exif_says_dng(const Exiv2::ExifData& exif) {
  const int image = group_ids().image;
  for (const Exiv2::Exifdatum& datum : exif) {
    if (datum.ifdId() == image && datum.tag() == 0xc612) return true;
  }
  return false;
}

}  // namespace imgsync::media
