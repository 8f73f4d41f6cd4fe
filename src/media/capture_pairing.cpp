#include "media/capture_pairing.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <utility>

namespace imgsync::media {
namespace {

// ASCII only: locale-dependent case folding would make pairing differ between machines.
std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string parent_folder(const std::string& path) {
  return std::filesystem::path(path).parent_path().lexically_normal().string();
}

struct Group {
  std::vector<const CaptureFile*> raws;
  std::vector<const CaptureFile*> enhanced;
  bool pairable() const { return raws.size() <= 1 && enhanced.size() <= 1; }
};

Capture capture_of(const std::vector<const CaptureFile*>& raws,
                   const std::vector<const CaptureFile*>& enhanced) {
  Capture capture;
  if (!raws.empty()) capture.raw = raws.front()->metadata;
  if (!enhanced.empty()) capture.enhanced = enhanced.front()->metadata;
  return capture;
}

void add_singles(const Group& group, std::vector<Capture>& out) {
  for (const CaptureFile* file : group.raws) out.push_back(capture_of({file}, {}));
  for (const CaptureFile* file : group.enhanced) out.push_back(capture_of({}, {file}));
}

}  // namespace

std::vector<std::string> default_enhanced_suffixes() {
  return {"_enhanced", "-enhanced", "_edited", "-edited", "_edit", "-edit", "_proc", "-proc"};
}

std::string pairing_key(std::string_view path, FileRole role, const PairingRule& rule) {
  std::string stem = ascii_lower(std::filesystem::path(path).stem().string());
  if (role != FileRole::kEnhanced) return stem;
  std::size_t strip = 0;
  for (const std::string& suffix : rule.enhanced_suffixes) {
    const std::string lower = ascii_lower(suffix);
    if (lower.size() > strip && lower.size() < stem.size() && stem.ends_with(lower)) {
      strip = lower.size();
    }
  }
  stem.resize(stem.size() - strip);
  return stem;
}

std::vector<Capture> pair_captures(std::vector<CaptureFile> files, const PairingRule& rule) {
  // The input order must not matter: sort first, then drop repeats of the same path and role.
  std::sort(files.begin(), files.end(), [](const CaptureFile& a, const CaptureFile& b) {
    return std::pair(a.metadata.path, a.role) < std::pair(b.metadata.path, b.role);
  });
  files.erase(std::unique(files.begin(), files.end(),
                          [](const CaptureFile& a, const CaptureFile& b) {
                            return a.role == b.role && a.metadata.path == b.metadata.path;
                          }),
              files.end());

  std::map<std::string, Group> by_key;
  for (const CaptureFile& file : files) {
    Group& group = by_key[pairing_key(file.metadata.path, file.role, rule)];
    (file.role == FileRole::kRaw ? group.raws : group.enhanced).push_back(&file);
  }

  std::vector<Capture> captures;
  for (const auto& [key, group] : by_key) {
    if (group.pairable()) {
      captures.push_back(capture_of(group.raws, group.enhanced));
      continue;
    }
    // Several files share the stem (e.g. IMG_0001 from two camera folders): only a pair that
    // is unambiguous within one folder is trusted.
    std::map<std::string, Group> by_folder;
    for (const CaptureFile* file : group.raws) {
      by_folder[parent_folder(file->metadata.path)].raws.push_back(file);
    }
    for (const CaptureFile* file : group.enhanced) {
      by_folder[parent_folder(file->metadata.path)].enhanced.push_back(file);
    }
    for (const auto& [folder, folder_group] : by_folder) {
      if (folder_group.pairable()) {
        captures.push_back(capture_of(folder_group.raws, folder_group.enhanced));
      } else {
        add_singles(folder_group, captures);
      }
    }
  }
  std::sort(captures.begin(), captures.end(), [](const Capture& a, const Capture& b) {
    const std::string& path_a = a.primary().path;
    const std::string& path_b = b.primary().path;
    if (path_a != path_b) return path_a < path_b;
    return a.raw.has_value() && !b.raw.has_value();
  });
  return captures;
}

}  // namespace imgsync::media
