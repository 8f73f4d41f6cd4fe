#include "media/xmp_reader.h"

#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

#include "media/capture_time_parser.h"
#include "media/metadata_text.h"

namespace imgsync::media {

namespace {

enum class XmpField {
  kDateTimeOriginal,
  kCreateDate,
  kPhotoshopDateCreated,
  kLatitude,
  kLongitude,
  kAltitude,
  kAltitudeRef,
  kGpsTimeStamp,
  kImageDirection,
  kMake,
  kModel,
  kOrientation,
  kLens,
  kLensModel,
  kSerialNumber,
  kBodySerialNumber,
  kSubject,
  kDroneLatitude,
  kDroneLongitude,
  kDroneAbsoluteAltitude,
  kRelativeAltitude,
  kGimbalPitch,
  kGimbalYaw,
  kGimbalRoll,
  kFlightPitch,
  kFlightYaw,
  kFlightRoll,
};

const std::unordered_map<std::string, XmpField>& field_by_key() {
  static const std::unordered_map<std::string, XmpField> fields{
      {"Xmp.exif.DateTimeOriginal", XmpField::kDateTimeOriginal},
      {"Xmp.xmp.CreateDate", XmpField::kCreateDate},
      {"Xmp.photoshop.DateCreated", XmpField::kPhotoshopDateCreated},
      {"Xmp.exif.GPSLatitude", XmpField::kLatitude},
      {"Xmp.exif.GPSLongitude", XmpField::kLongitude},
      {"Xmp.exif.GPSAltitude", XmpField::kAltitude},
      {"Xmp.exif.GPSAltitudeRef", XmpField::kAltitudeRef},
      {"Xmp.exif.GPSTimeStamp", XmpField::kGpsTimeStamp},
      {"Xmp.exif.GPSImgDirection", XmpField::kImageDirection},
      {"Xmp.tiff.Make", XmpField::kMake},
      {"Xmp.tiff.Model", XmpField::kModel},
      {"Xmp.tiff.Orientation", XmpField::kOrientation},
      {"Xmp.aux.Lens", XmpField::kLens},
      {"Xmp.exifEX.LensModel", XmpField::kLensModel},
      {"Xmp.aux.SerialNumber", XmpField::kSerialNumber},
      {"Xmp.exifEX.BodySerialNumber", XmpField::kBodySerialNumber},
      {"Xmp.dc.subject", XmpField::kSubject},
      {"Xmp.drone-dji.GpsLatitude", XmpField::kDroneLatitude},
      {"Xmp.drone-dji.GpsLongitude", XmpField::kDroneLongitude},
      {"Xmp.drone-dji.GpsLongtitude", XmpField::kDroneLongitude},  // sic: some DJI firmware
      {"Xmp.drone-dji.AbsoluteAltitude", XmpField::kDroneAbsoluteAltitude},
      {"Xmp.drone-dji.RelativeAltitude", XmpField::kRelativeAltitude},
      {"Xmp.drone-dji.GimbalPitchDegree", XmpField::kGimbalPitch},
      {"Xmp.drone-dji.GimbalYawDegree", XmpField::kGimbalYaw},
      {"Xmp.drone-dji.GimbalRollDegree", XmpField::kGimbalRoll},
      {"Xmp.drone-dji.FlightPitchDegree", XmpField::kFlightPitch},
      {"Xmp.drone-dji.FlightYawDegree", XmpField::kFlightYaw},
      {"Xmp.drone-dji.FlightRollDegree", XmpField::kFlightRoll},
  };
  return fields;
}

std::string_view trim_space(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const std::size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

std::optional<double> parse_decimal(std::string_view text) {
  text = trim_space(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<CaptureTime> time_of(const std::string& text, CaptureTimeSource source) {
  auto time = parse_capture_time(text);
  if (time) time->source = source;
  return time;
}

std::optional<std::string> optional_text(const std::string& raw) {
  std::string text = clean_text(raw);
  if (text.empty()) return std::nullopt;
  return text;
}

// The fields as found, before they are combined.
struct XmpValues {
  std::optional<CaptureTime> date_time_original, create_date, photoshop_date_created;
  std::optional<double> latitude, longitude, altitude, drone_latitude, drone_longitude,
      drone_altitude;
  bool below_sea_level = false;
  std::optional<std::string> gps_timestamp, lens_model, body_serial;
};

std::optional<std::string> utc_text(const std::string& raw) {
  const auto time = parse_capture_time(raw);
  if (!time) return std::nullopt;
  const auto instant = time->utc();
  if (!instant) return std::nullopt;
  CaptureTime utc = *time;
  const auto days = std::chrono::floor<std::chrono::days>(*instant);
  const std::chrono::year_month_day date{days};
  const std::chrono::hh_mm_ss clock{*instant - days};
  utc.year = static_cast<int>(date.year());
  utc.month = static_cast<int>(static_cast<unsigned>(date.month()));
  utc.day = static_cast<int>(static_cast<unsigned>(date.day()));
  utc.hour = static_cast<int>(clock.hours().count());
  utc.minute = static_cast<int>(clock.minutes().count());
  utc.second = static_cast<int>(clock.seconds().count());
  utc.utc_offset_minutes.reset();
  return utc.to_rfc3339() + "Z";
}

}  // namespace

std::optional<double> parse_xmp_number(std::string_view text) {
  text = trim_space(text);
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return parse_decimal(text);
  const auto numerator = parse_decimal(text.substr(0, slash));
  const auto denominator = parse_decimal(text.substr(slash + 1));
  if (!numerator || !denominator || *denominator == 0) return std::nullopt;
  return *numerator / *denominator;
}

std::optional<double> parse_xmp_coordinate(std::string_view text, bool is_latitude) {
  text = trim_space(text);
  if (text.empty()) return std::nullopt;
  const double limit = is_latitude ? 90.0 : 180.0;
  const char last = static_cast<char>(std::toupper(static_cast<unsigned char>(text.back())));
  const bool has_hemisphere = last == 'N' || last == 'S' || last == 'E' || last == 'W';
  if (!has_hemisphere) {
    const auto value = parse_decimal(text);
    if (!value || std::abs(*value) > limit) return std::nullopt;
    return value;
  }
  if ((is_latitude && last != 'N' && last != 'S') || (!is_latitude && last != 'E' && last != 'W')) {
    return std::nullopt;
  }
  text.remove_suffix(1);
  double total = 0;
  int component = 0;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const auto part = parse_decimal(text.substr(0, comma));
    if (!part || *part < 0 || component > 2) return std::nullopt;
    total += *part / std::pow(60.0, component);
    ++component;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (component == 0 || total > limit) return std::nullopt;
  return (last == 'S' || last == 'W') ? -total : total;
}

// The drone fields that are plain numbers: where each goes.
struct NumberSlot {
  XmpField field;
  std::optional<double> DroneInfo::*drone = nullptr;  // into the layer's drone info, or
  std::optional<double> XmpValues::*value = nullptr;  // into the values combined at the end
};

constexpr NumberSlot kNumberSlots[] = {
    {XmpField::kDroneAbsoluteAltitude, nullptr, &XmpValues::drone_altitude},
    {XmpField::kAltitude, nullptr, &XmpValues::altitude},
    {XmpField::kRelativeAltitude, &DroneInfo::relative_altitude},
    {XmpField::kGimbalPitch, &DroneInfo::gimbal_pitch},
    {XmpField::kGimbalYaw, &DroneInfo::gimbal_yaw},
    {XmpField::kGimbalRoll, &DroneInfo::gimbal_roll},
    {XmpField::kFlightPitch, &DroneInfo::flight_pitch},
    {XmpField::kFlightYaw, &DroneInfo::flight_yaw},
    {XmpField::kFlightRoll, &DroneInfo::flight_roll},
};

// A plain number field; false when `field` is not one.
bool apply_number(XmpField field, const std::string& text, MetadataLayer& layer,
                  XmpValues& values) {
  for (const NumberSlot& slot : kNumberSlots) {
    if (slot.field != field) continue;
    (slot.drone != nullptr ? layer.drone.*slot.drone : values.*slot.value) = parse_xmp_number(text);
    return true;
  }
  return false;
}

// One XMP datum into the layer (or into the values combined at the end).
void apply_field(XmpField field, const Exiv2::Xmpdatum& datum, MetadataLayer& layer,
                 XmpValues& values) {
  const std::string text = datum.toString();
  if (apply_number(field, text, layer, values)) return;
  switch (field) {
    case XmpField::kDateTimeOriginal:
      values.date_time_original = time_of(text, CaptureTimeSource::kXmpDateTimeOriginal);
      break;
    case XmpField::kCreateDate:
      values.create_date = time_of(text, CaptureTimeSource::kXmpCreateDate);
      break;
    case XmpField::kPhotoshopDateCreated:
      values.photoshop_date_created = time_of(text, CaptureTimeSource::kXmpPhotoshopDateCreated);
      break;
    case XmpField::kLatitude:
      values.latitude = parse_xmp_coordinate(text, true);
      break;
    case XmpField::kLongitude:
      values.longitude = parse_xmp_coordinate(text, false);
      break;
    case XmpField::kDroneLatitude:
      values.drone_latitude = parse_xmp_coordinate(text, true);
      break;
    case XmpField::kDroneLongitude:
      values.drone_longitude = parse_xmp_coordinate(text, false);
      break;
    case XmpField::kAltitudeRef:
      values.below_sea_level = trim_space(text) == "1";
      break;
    case XmpField::kGpsTimeStamp:
      values.gps_timestamp = utc_text(text);
      break;
    case XmpField::kImageDirection: {
      const auto direction = parse_xmp_number(text);
      if (direction && *direction >= 0 && *direction <= 360) layer.image_direction = direction;
      break;
    }
    case XmpField::kOrientation: {
      const auto orientation = parse_xmp_number(text);
      if (orientation && *orientation >= 1 && *orientation <= 8) {
        layer.orientation = static_cast<int>(*orientation);
      }
      break;
    }
    case XmpField::kMake:
      layer.make = optional_text(text);
      break;
    case XmpField::kModel:
      layer.model = optional_text(text);
      break;
    case XmpField::kLens:
      layer.lens = optional_text(text);
      break;
    case XmpField::kLensModel:
      values.lens_model = optional_text(text);
      break;
    case XmpField::kSerialNumber:
      layer.serial = optional_text(text);
      break;
    case XmpField::kBodySerialNumber:
      values.body_serial = optional_text(text);
      break;
    case XmpField::kSubject:
      for (long i = 0; i < datum.count(); ++i) add_unique_tag(layer.tags, datum.toString(i));
      break;
    default:  // the plain numbers, taken above
      break;
  }
}

MetadataLayer read_xmp_layer(const Exiv2::XmpData& xmp) {
  MetadataLayer layer;
  XmpValues values;
  const auto& fields = field_by_key();
  for (const Exiv2::Xmpdatum& datum : xmp) {
    const auto found = fields.find(datum.key());
    if (found == fields.end() || datum.count() == 0) continue;
    apply_field(found->second, datum, layer, values);
  }

  for (const auto& time :
       {values.date_time_original, values.photoshop_date_created, values.create_date}) {
    if (time) layer.time_candidates.push_back(*time);
  }
  if (values.latitude && values.longitude) {
    GpsPosition position{*values.latitude, *values.longitude, std::nullopt};
    if (values.altitude) {
      position.altitude = values.below_sea_level ? -*values.altitude : *values.altitude;
    }
    layer.gps = position;
  } else if (values.drone_latitude && values.drone_longitude) {
    layer.gps = GpsPosition{*values.drone_latitude, *values.drone_longitude, values.drone_altitude};
  }
  layer.gps_timestamp = values.gps_timestamp;
  if (!layer.lens) layer.lens = values.lens_model;
  if (!layer.serial) layer.serial = values.body_serial;
  return layer;
}

}  // namespace imgsync::media
