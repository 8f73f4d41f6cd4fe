// Finds the image files under the configured source folders: recursive, include/exclude globs
// matched case-insensitively on the file name, temporary files of common tools and dot-files
// skipped, stat taken once.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "catalog/journal_store.h"
#include "config/app_config.h"
#include "util/result.h"

namespace imgsync::app {

struct ScannedFile {
  std::filesystem::path path;      // absolute
  std::filesystem::path source;    // the source folder (absolute)
  std::filesystem::path relative;  // path relative to source
  config::SourceKind kind = config::SourceKind::kEnhanced;
  catalog::FileStat stat;
  std::string ready_marker;  // the source's (config/app_config.h)
};

// Whether the file's completion marker (if its source wants one) is there: IMG.done or
// IMG.jpg.done for a suffix, IMG.xmp, IMG.jpg.xmp or IMG.json for "sidecar".
bool marker_present(const ScannedFile& file);

// A file the journal knows (enqueued, or left half-done) as a ScannedFile, if it still exists.
std::optional<ScannedFile> scanned_from_record(const catalog::FileRecord& record);

// Names that are never images to upload: dot-files, partial downloads, editor backups, temp files.
bool is_temporary_name(const std::string& file_name);
bool matches_globs(const std::string& file_name, const config::SourceFolder& source);
Result<catalog::FileStat> stat_file(const std::filesystem::path& path);

// The ScannedFile for one path if it belongs to a source (the deepest one holding it), passes its
// globs and is not a temporary name; nullopt otherwise (or when it cannot be stat'ed).
std::optional<ScannedFile> classify_path(const std::filesystem::path& path,
                                         const std::vector<config::SourceFolder>& sources);

// Walks the sources one file at a time, so memory stays flat however many files there are.
class SourceWalker {
 public:
  using Skipped = std::function<void(const std::filesystem::path&, const std::string&)>;
  SourceWalker(std::vector<config::SourceFolder> sources, Skipped skipped = {});
  // Checks that every source folder exists and can be read; the error names the folder.
  Status start();
  // The next image file (globs, not temporary, not in a hidden folder); nullopt at the end.
  std::optional<ScannedFile> next();

 private:
  bool open_source();

  std::vector<config::SourceFolder> sources_;
  Skipped skipped_;
  std::size_t index_ = 0;
  std::filesystem::path root_;
  std::optional<std::filesystem::recursive_directory_iterator> walker_;
};

// Scans every source. A missing or unreadable source folder is an error naming it; unreadable
// entries inside are reported to `skipped` and the scan goes on.
Result<std::vector<ScannedFile>> scan_sources(
    const std::vector<config::SourceFolder>& sources,
    const std::function<void(const std::filesystem::path&, const std::string&)>& skipped = {});

}  // namespace imgsync::app
