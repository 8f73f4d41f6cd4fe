// Object keys of one capture in the bucket layout (docs/design.md §2, "The bucket"):
//   [PREFIX/]raw/YYYY/MM/DD/<name>.<ext>        [PREFIX/]enhanced/YYYY/MM/DD/<name>.<ext>
//   [PREFIX/]metadata/YYYY/MM/DD/<name>.json    [PREFIX/]thumbnails/YYYY/MM/DD/<name>.jpg
// The date folders are the capture's local wall-clock date. Also: settling name collisions
// between different files, and relative hrefs between keys (for STAC Items).
// Every key built here is safe (see is_safe_key), whatever bytes the inputs held.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "media/image_metadata.h"
#include "util/result.h"

namespace imgsync::media {

inline constexpr std::size_t kMaxKeyBytes = 1024;
inline constexpr std::size_t kMaxPrefixBytes = 512;

enum class AssetFolder { kRaw, kEnhanced, kMetadata, kThumbnail };
std::string_view folder_name(AssetFolder folder);  // "raw", "enhanced", "metadata", "thumbnails"

struct ObjectKeys {
  std::string raw;       // empty when the capture has no raw file
  std::string enhanced;  // empty when the capture has no enhanced file
  std::string metadata;  // the STAC Item
  std::string thumbnail;
};

// A user's key prefix in canonical form: no leading, trailing or doubled '/', "" for none.
// kInvalidInput for "." or ".." segments or characters other than [A-Za-z0-9._-] and '/'
// (so that keys are also valid relative URLs), or more than kMaxPrefixBytes.
Result<std::string> normalize_prefix(std::string_view prefix);

// One key. `name` must satisfy is_safe_name; `extension` is normalized (normalize_extension) and
// ignored for kMetadata (".json") and kThumbnail (".jpg"); an empty one leaves the key without
// a dot. kInvalidInput "no capture date" without a valid captured_at.
Result<std::string> object_key(std::string_view prefix, AssetFolder folder,
                               const std::optional<CaptureTime>& captured_at, std::string_view name,
                               std::string_view extension = {});

// All keys of one capture; raw/enhanced only for the extensions given.
Result<ObjectKeys> make_object_keys(std::string_view prefix,
                                    const std::optional<CaptureTime>& captured_at,
                                    std::string_view name,
                                    std::optional<std::string_view> raw_extension,
                                    std::optional<std::string_view> enhanced_extension);

// The thumbnail key beside an Item key: "[P/]metadata/Y/M/D/<name>.json" gives
// "[P/]thumbnails/Y/M/D/<name>.jpg"; empty for a key not of that shape.
std::string thumbnail_key_for_item(std::string_view item_key);

// The invariants every key upholds: 1..kMaxKeyBytes bytes, no leading '/', no empty segment,
// no "..", no backslash, no control character.
bool is_safe_key(std::string_view key);

// The href that leads from the object at from_key to the object at to_key, relative to
// from_key's folder: "../../../../raw/2026/05/03/x.cr3" from "metadata/2026/05/03/x.json".
std::string relative_href(std::string_view from_key, std::string_view to_key);

// The sha256 (lower-case hex) of the file that already holds a name, nullopt when it is free.
using NameOwnerLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The name a file gets when its template rendered base_name: base_name itself when free or held
// by the same file (same sha256: a retry maps to the same key), else base_name + "_" + the first
// 6 hex of its sha256 (8, 12, 16, 64 if those are taken too, then a counter), shortening the
// base so the result stays within kMaxNameBytes. kInvalidInput for an unsafe base_name or a
// sha256 that is not at least 6 hex digits. Deterministic for the same owners.
Result<std::string> resolve_name_collision(std::string_view base_name, std::string_view sha256,
                                           const NameOwnerLookup& owner_of);

// The names handed out in one run (pre-load it with the names the journal already knows).
class NameRegistry {
 public:
  // resolve_name_collision against the names held so far, then holds the result for sha256.
  Result<std::string> claim(std::string_view base_name, std::string_view sha256);
  // Marks `name` as held by the file with `sha256` (case-insensitive hex).
  void record(std::string_view name, std::string_view sha256);
  std::optional<std::string> owner(std::string_view name) const;
  void forget(std::string_view name);  // no longer held here (the caller keeps it elsewhere)
  std::size_t size() const { return owners_.size(); }

 private:
  std::map<std::string, std::string, std::less<>> owners_;  // name -> lower-case sha256
};

}  // namespace imgsync::media
