#include "media/object_keys.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <vector>

#include "media/naming.h"

namespace imgsync::media {
namespace {

// After the 64-hex suffix only a counter can tell files apart; past this many, something is
// feeding adversarial names and it is better to stop than to loop.
constexpr int kMaxCounterSuffix = 1000;

bool is_prefix_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == '/';
}

std::string lower_hex(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_lower_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::vector<std::string_view> split_segments(std::string_view key) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= key.size()) {
    const std::size_t slash = key.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? key.size() : slash;
    segments.push_back(key.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

// base + suffix within kMaxNameBytes; a shortened base loses trailing '.'/'-' so that the
// joint never forms ".." and never ends a segment in '.'.
std::string with_suffix(std::string_view base, std::string_view suffix) {
  std::string name(base.substr(0, std::min(base.size(), kMaxNameBytes - suffix.size())));
  while (!name.empty() && (name.back() == '.' || name.back() == '-')) name.pop_back();
  if (name.empty()) name = "img";
  return name + std::string(suffix);
}

}  // namespace

std::string_view folder_name(AssetFolder folder) {
  switch (folder) {
    case AssetFolder::kRaw:
      return "raw";
    case AssetFolder::kEnhanced:
      return "enhanced";
    case AssetFolder::kMetadata:
      return "metadata";
    case AssetFolder::kThumbnail:
      return "thumbnails";
  }
  return "raw";
}

Result<std::string> normalize_prefix(std::string_view prefix) {
  std::string canonical;
  for (std::string_view segment : split_segments(prefix)) {
    if (segment.empty()) continue;
    if (segment == "." || segment == "..") {
      return make_error(ErrorCategory::kInvalidInput,
                        "key prefix \"" + std::string(prefix) +
                            "\" has a '.' or '..' segment; use plain folder names");
    }
    for (char c : segment) {
      if (!is_prefix_char(c)) {
        return make_error(ErrorCategory::kInvalidInput,
                          "key prefix has a character other than letters, digits, '.', '_', "
                          "'-' and '/'; choose a prefix from those");
      }
    }
    if (!canonical.empty()) canonical.push_back('/');
    canonical += segment;
  }
  if (canonical.find("..") != std::string::npos) {
    return make_error(ErrorCategory::kInvalidInput,
                      "key prefix \"" + canonical + "\" contains \"..\"; remove it");
  }
  if (canonical.size() > kMaxPrefixBytes) {
    return make_error(ErrorCategory::kInvalidInput,
                      "key prefix is longer than " + std::to_string(kMaxPrefixBytes) + " bytes");
  }
  return canonical;
}

Result<std::string> object_key(std::string_view prefix, AssetFolder folder,
                               const std::optional<CaptureTime>& captured_at, std::string_view name,
                               std::string_view extension) {
  auto canonical_prefix = normalize_prefix(prefix);
  if (!canonical_prefix.ok()) return canonical_prefix.take_error();
  if (!is_safe_name(name)) {
    return make_error(ErrorCategory::kInvalidInput,
                      "\"" + safe_name_component(name) +
                          "…\" is not a valid object name (letters, digits, '.', '_', '-'; at "
                          "most " +
                          std::to_string(kMaxNameBytes) + " bytes; no \"..\")");
  }
  if (!captured_at || !has_valid_calendar_fields(*captured_at)) {
    return make_error(
        ErrorCategory::kInvalidInput,
        "no capture date for \"" + std::string(name) + "\": keys are filed under the capture date");
  }
  std::string ext;
  switch (folder) {
    case AssetFolder::kMetadata:
      ext = "json";
      break;
    case AssetFolder::kThumbnail:
      ext = "jpg";
      break;
    default:
      ext = normalize_extension(extension);
  }
  char date[16];
  std::snprintf(date, sizeof date, "%04d/%02d/%02d", captured_at->year, captured_at->month,
                captured_at->day);
  std::string key = *canonical_prefix;
  if (!key.empty()) key.push_back('/');
  key += folder_name(folder);
  key.push_back('/');
  key += date;
  key.push_back('/');
  key += name;
  if (!ext.empty()) key += "." + ext;
  return key;
}

Result<ObjectKeys> make_object_keys(std::string_view prefix,
                                    const std::optional<CaptureTime>& captured_at,
                                    std::string_view name,
                                    std::optional<std::string_view> raw_extension,
                                    std::optional<std::string_view> enhanced_extension) {
  ObjectKeys keys;
  auto metadata = object_key(prefix, AssetFolder::kMetadata, captured_at, name);
  if (!metadata.ok()) return metadata.take_error();
  keys.metadata = std::move(*metadata);
  keys.thumbnail = *object_key(prefix, AssetFolder::kThumbnail, captured_at, name);
  if (raw_extension)
    keys.raw = *object_key(prefix, AssetFolder::kRaw, captured_at, name, *raw_extension);
  if (enhanced_extension) {
    keys.enhanced =
        *object_key(prefix, AssetFolder::kEnhanced, captured_at, name, *enhanced_extension);
  }
  return keys;
}

bool is_safe_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeyBytes) return false;
  if (key.find("..") != std::string_view::npos) return false;
  for (char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F || c == '\\') return false;
  }
  for (std::string_view segment : split_segments(key)) {
    if (segment.empty()) return false;  // also a leading or trailing '/'
  }
  return true;
}

std::string relative_href(std::string_view from_key, std::string_view to_key) {
  std::vector<std::string_view> from = split_segments(from_key);
  const std::vector<std::string_view> to = split_segments(to_key);
  from.pop_back();  // the folder of from_key, not the object itself
  std::size_t common = 0;
  while (common < from.size() && common + 1 < to.size() && from[common] == to[common]) ++common;
  std::string href;
  for (std::size_t i = common; i < from.size(); ++i) href += "../";
  for (std::size_t i = common; i < to.size(); ++i) {
    href += to[i];
    if (i + 1 < to.size()) href.push_back('/');
  }
  return href;
}

Result<std::string> resolve_name_collision(std::string_view base_name, std::string_view sha256,
                                           const NameOwnerLookup& owner_of) {
  if (!is_safe_name(base_name)) {
    return make_error(ErrorCategory::kInvalidInput,
                      "\"" + safe_name_component(base_name) + "…\" is not a valid object name");
  }
  const std::string hex = lower_hex(sha256);
  if (hex.size() < 6 || !is_lower_hex(hex)) {
    return make_error(ErrorCategory::kInvalidInput,
                      "sha256 of \"" + std::string(base_name) + "\" is missing or not hex");
  }
  const auto free_or_mine = [&](const std::string& name) {
    const std::optional<std::string> owner = owner_of(name);
    return !owner || lower_hex(*owner) == hex;
  };
  if (free_or_mine(std::string(base_name))) return std::string(base_name);
  for (std::size_t length : std::array<std::size_t, 5>{6, 8, 12, 16, 64}) {
    if (length > hex.size()) break;
    std::string name = with_suffix(base_name, "_" + hex.substr(0, length));
    if (free_or_mine(name)) return name;
  }
  const std::string hash_suffix = "_" + hex.substr(0, std::min<std::size_t>(hex.size(), 64));
  for (int counter = 2; counter <= kMaxCounterSuffix; ++counter) {
    std::string name = with_suffix(base_name, hash_suffix + "-" + std::to_string(counter));
    if (free_or_mine(name)) return name;
  }
  return make_error(ErrorCategory::kConflict, "no free name for \"" + std::string(base_name) +
                                                  "\" after " + std::to_string(kMaxCounterSuffix) +
                                                  " tries");
}

Result<std::string> NameRegistry::claim(std::string_view base_name, std::string_view sha256) {
  auto name = resolve_name_collision(
      base_name, sha256, [this](std::string_view candidate) { return owner(candidate); });
  if (name.ok()) record(*name, sha256);
  return name;
}

void NameRegistry::record(std::string_view name, std::string_view sha256) {
  owners_.insert_or_assign(std::string(name), lower_hex(sha256));
}

void NameRegistry::forget(std::string_view name) {
  if (const auto found = owners_.find(name); found != owners_.end()) owners_.erase(found);
}

std::optional<std::string> NameRegistry::owner(std::string_view name) const {
  const auto found = owners_.find(name);
  if (found == owners_.end()) return std::nullopt;
  return found->second;
}

std::string thumbnail_key_for_item(std::string_view item_key) {
  constexpr std::string_view kJson = ".json", kMetadata = "metadata/";
  if (!item_key.ends_with(kJson)) return {};
  // The fourth '/' from the end closes the "metadata" segment (then YYYY, MM, DD, the name).
  std::size_t at = item_key.size();
  for (int slashes = 0; slashes < 4; ++slashes) {
    if (at == 0) return {};
    at = item_key.rfind('/', at - 1);
    if (at == std::string_view::npos) return {};
  }
  if (at + 1 < kMetadata.size()) return {};
  const std::size_t segment = at + 1 - kMetadata.size();
  if (item_key.substr(segment, kMetadata.size()) != kMetadata) return {};
  if (segment > 0 && item_key[segment - 1] != '/') return {};
  std::string key(item_key.substr(0, segment));
  key += "thumbnails/";
  key += item_key.substr(at + 1, item_key.size() - kJson.size() - at - 1);
  key += ".jpg";
  return key;
}

}  // namespace imgsync::media
