#include "media/sidecar_reader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include <exiv2/xmp_exiv2.hpp>
#include <nlohmann/json.hpp>

#include "media/capture_time_parser.h"
#include "media/exiv2_runtime.h"
#include "media/metadata_text.h"
#include "media/xmp_reader.h"

namespace imgsync::media {

namespace {

// Sidecars are small text files; anything bigger is not one of ours.
constexpr std::uintmax_t kMaxSidecarBytes = 16 * 1024 * 1024;

using nlohmann::json;

bool is_sidecar_file(const std::filesystem::path& path) {
  std::error_code error;
  return std::filesystem::is_regular_file(path, error);
}

// The first existing spelling (lower case, then upper case extension) of `base` + `extension`.
void add_first_existing(std::vector<Sidecar>& sidecars, const std::filesystem::path& image,
                        const std::string& base, const std::string& extension,
                        SidecarFormat format) {
  std::string upper = extension;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& spelling : {extension, upper}) {
    std::filesystem::path candidate = image.parent_path() / (base + spelling);
    if (candidate == image) return;
    for (const Sidecar& existing : sidecars) {
      if (existing.path == candidate) return;
    }
    if (is_sidecar_file(candidate)) {
      sidecars.push_back({std::move(candidate), format});
      return;
    }
  }
}

Error sidecar_error(std::string_view what) {
  return make_error(ErrorCategory::kInvalidInput, std::string(what));
}

// Reads imgsync's JSON sidecar format; the first problem found is reported, naming the key.
class JsonSidecarParser {
 public:
  Result<MetadataLayer> parse(const json& document) {
    MetadataLayer layer;
    read_time(document, layer);
    read_gps(document, layer);
    layer.make = text(document, "make");
    layer.model = text(document, "model");
    layer.lens = text(document, "lens");
    layer.serial = text(document, "serial");
    if (const auto orientation = number(document, "orientation")) {
      if (*orientation < 1 || *orientation > 8 || *orientation != std::floor(*orientation)) {
        fail("\"orientation\" must be an integer 1..8");
      } else {
        layer.orientation = static_cast<int>(*orientation);
      }
    }
    if (const auto direction = number(document, "image_direction")) {
      if (*direction < 0 || *direction > 360) {
        fail("\"image_direction\" must be 0..360 degrees");
      } else {
        layer.image_direction = direction;
      }
    }
    read_tags(document, layer);
    read_drone(document, layer);
    if (!problem_.empty()) return sidecar_error(problem_);
    return layer;
  }

 private:
  void fail(std::string message) {
    if (problem_.empty()) problem_ = std::move(message);
  }

  std::optional<double> number(const json& object, const char* key) {
    const auto found = object.find(key);
    if (found == object.end() || found->is_null()) return std::nullopt;
    if (!found->is_number()) {
      fail(std::string("\"") + key + "\" must be a number");
      return std::nullopt;
    }
    const double value = found->get<double>();
    if (!std::isfinite(value)) {
      fail(std::string("\"") + key + "\" is not a finite number");
      return std::nullopt;
    }
    return value;
  }

  std::optional<std::string> text(const json& object, const char* key) {
    const auto found = object.find(key);
    if (found == object.end() || found->is_null()) return std::nullopt;
    if (!found->is_string()) {
      fail(std::string("\"") + key + "\" must be a string");
      return std::nullopt;
    }
    std::string cleaned = clean_text(found->get_ref<const std::string&>());
    if (cleaned.empty()) return std::nullopt;
    return cleaned;
  }

  void read_time(const json& document, MetadataLayer& layer) {
    const auto value = text(document, "captured_at");
    if (!value) return;
    layer.captured_at = parse_capture_time(*value);
    if (!layer.captured_at) {
      fail("\"captured_at\" is not a valid date and time: \"" + *value + "\"");
      return;
    }
    layer.captured_at->source = CaptureTimeSource::kSidecar;
  }

  void read_gps(const json& document, MetadataLayer& layer) {
    const auto found = document.find("gps");
    if (found == document.end()) return;
    if (found->is_null()) {
      layer.gps_removed = true;  // "no position", e.g. to keep a home address private
      return;
    }
    if (!found->is_object()) return fail("\"gps\" must be an object or null");
    const auto latitude = number(*found, "lat");
    const auto longitude = number(*found, "lon");
    const auto altitude = number(*found, "alt");
    if (!latitude || !longitude) return fail("\"gps\" needs both \"lat\" and \"lon\"");
    if (std::abs(*latitude) > 90 || std::abs(*longitude) > 180) {
      return fail("\"gps\" coordinates out of range");
    }
    layer.gps = GpsPosition{*latitude, *longitude, altitude};
  }

  void read_tags(const json& document, MetadataLayer& layer) {
    const auto tags = document.find("tags");
    if (tags == document.end() || tags->is_null()) return;
    if (!tags->is_array()) return fail("\"tags\" must be an array of strings");
    for (const json& tag : *tags) {
      if (!tag.is_string()) return fail("\"tags\" must be an array of strings");
      add_unique_tag(layer.tags, tag.get_ref<const std::string&>());
    }
  }

  void read_drone(const json& document, MetadataLayer& layer) {
    const auto found = document.find("drone");
    if (found == document.end() || found->is_null()) return;
    if (!found->is_object()) return fail("\"drone\" must be an object");
    layer.drone.relative_altitude = number(*found, "relative_altitude");
    layer.drone.gimbal_pitch = number(*found, "gimbal_pitch");
    layer.drone.gimbal_yaw = number(*found, "gimbal_yaw");
    layer.drone.gimbal_roll = number(*found, "gimbal_roll");
    layer.drone.flight_pitch = number(*found, "flight_pitch");
    layer.drone.flight_yaw = number(*found, "flight_yaw");
    layer.drone.flight_roll = number(*found, "flight_roll");
  }

  std::string problem_;
};

Result<std::string> read_text_file(const std::filesystem::path& path) {
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) {
    return make_error(ErrorCategory::kLocalIo,
                      "cannot read sidecar " + path.string() + ": " + error.message());
  }
  if (size > kMaxSidecarBytes) {
    return sidecar_error("sidecar " + path.string() + " is too large to be a sidecar (" +
                         std::to_string(size) + " bytes)");
  }
  std::ifstream stream(path, std::ios::binary);
  if (!stream) {
    return make_error(ErrorCategory::kLocalIo,
                      "cannot open sidecar " + path.string() + ": " + std::strerror(errno));
  }
  std::ostringstream content;
  content << stream.rdbuf();
  if (stream.bad()) {
    return make_error(ErrorCategory::kLocalIo, "cannot read sidecar " + path.string());
  }
  return std::move(content).str();
}

}  // namespace

std::vector<Sidecar> find_sidecars(const std::filesystem::path& image) {
  std::vector<Sidecar> sidecars;
  const std::string stem = image.stem().string();
  const std::string name = image.filename().string();
  add_first_existing(sidecars, image, stem, ".xmp", SidecarFormat::kXmp);
  add_first_existing(sidecars, image, name, ".xmp", SidecarFormat::kXmp);
  add_first_existing(sidecars, image, stem, ".json", SidecarFormat::kJson);
  return sidecars;
}

bool is_sidecar_name(const std::filesystem::path& path) {
  const std::string extension = path.extension().string();
  return extension == ".xmp" || extension == ".XMP" || extension == ".json" || extension == ".JSON";
}

std::vector<std::filesystem::path> images_for_sidecar(const std::filesystem::path& sidecar) {
  std::vector<std::filesystem::path> images;
  if (!is_sidecar_name(sidecar)) return images;
  // IMG.xmp belongs to files with stem IMG; IMG.ext.xmp to IMG.ext, and also to files with stem
  // IMG.ext (IMG.ext.cr3): the candidates are named IMG.ext or start with IMG.ext + '.'.
  const std::string base = sidecar.stem().string();
  const std::filesystem::path folder =
      sidecar.has_parent_path() ? sidecar.parent_path() : std::filesystem::path(".");
  std::error_code error;
  std::filesystem::directory_iterator entries(folder, error);
  if (error) return images;
  for (const auto& entry : entries) {
    const std::string name = entry.path().filename().string();
    if (name != base && name.rfind(base + ".", 0) != 0) continue;
    if (is_sidecar_name(entry.path()) || !entry.is_regular_file(error)) continue;
    for (const Sidecar& found : find_sidecars(sidecar.parent_path() / name)) {
      if (found.path.filename() == sidecar.filename()) {
        images.push_back(sidecar.parent_path() / name);
        break;
      }
    }
  }
  std::sort(images.begin(), images.end());
  return images;
}

Result<MetadataLayer> parse_xmp_sidecar(const std::string& packet) {
  initialize_exiv2();
  Exiv2::XmpData xmp;
  if (Exiv2::XmpParser::decode(xmp, packet) != 0) {
    return sidecar_error("not a valid XMP packet");
  }
  MetadataLayer layer = read_xmp_layer(xmp);
  resolve_capture_time(layer);
  if (layer.captured_at) layer.captured_at->source = CaptureTimeSource::kSidecar;
  return layer;
}

Result<MetadataLayer> parse_json_sidecar(std::string_view text) {
  const json document = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return sidecar_error("not valid JSON");
  if (!document.is_object()) return sidecar_error("not a JSON object");
  return JsonSidecarParser().parse(document);
}

Result<MetadataLayer> read_sidecar(const Sidecar& sidecar) {
  auto text = read_text_file(sidecar.path);
  if (!text.ok()) return text.take_error();
  Result<MetadataLayer> layer =
      sidecar.format == SidecarFormat::kJson ? parse_json_sidecar(*text) : parse_xmp_sidecar(*text);
  if (!layer.ok()) {
    Error error = layer.take_error();
    error.message = "sidecar " + sidecar.path.string() + ": " + error.message;
    return error;
  }
  return layer;
}

}  // namespace imgsync::media
