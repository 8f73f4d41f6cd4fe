// Pairing raw and enhanced files into captures (docs/design.md §2, "Pairs"): a raw file and the
// processed output made from it share one <name> and one STAC Item. They are matched by stem,
// case-insensitively, after stripping an editing suffix from the enhanced stem:
// "IMG_0042.CR3" + "img_0042_enhanced.jpg" are one capture, wherever each file lives.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "media/image_metadata.h"

namespace imgsync::media {

enum class FileRole { kRaw, kEnhanced };

struct CaptureFile {
  FileRole role = FileRole::kRaw;
  ImageMetadata metadata;  // metadata.path locates the file
};

// "_enhanced" "-enhanced" "_edited" "-edited" "_edit" "-edit" "_proc" "-proc"
std::vector<std::string> default_enhanced_suffixes();

struct PairingRule {
  // Suffixes an enhanced stem may carry beyond its raw stem. Compared case-insensitively; the
  // longest one that matches is stripped, once. Empty: stems must be equal.
  std::vector<std::string> enhanced_suffixes = default_enhanced_suffixes();
};

// One capture: a raw file, an enhanced file, or both.
struct Capture {
  std::optional<ImageMetadata> raw;
  std::optional<ImageMetadata> enhanced;

  // The file that names and dates the capture: the raw (the original capture) when present.
  const ImageMetadata& primary() const { return raw ? *raw : *enhanced; }
};

// The key files are matched on: the stem (ASCII lower-cased), for kEnhanced without the suffix.
std::string pairing_key(std::string_view path, FileRole role, const PairingRule& rule = {});

// Groups files into captures. Files with the same key pair up when that is unambiguous: one raw
// and one enhanced with that key, or else one of each in the same folder. Any other file stands
// alone (two raws never merge). The same path given twice in the same role counts once.
// The result is sorted by the primary file's path, so the same files always give the same list.
std::vector<Capture> pair_captures(std::vector<CaptureFile> files, const PairingRule& rule = {});

}  // namespace imgsync::media
