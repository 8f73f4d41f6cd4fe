#include "app/source_scanner.h"

#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace imgsync::app {

bool is_temporary_name(const std::string& name) {
  if (name.empty() || name.front() == '.' || name.back() == '~') return true;
  for (const char* suffix :
       {".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".swp", ".filepart"}) {
    const std::size_t length = std::strlen(suffix);
    if (name.size() > length && strcasecmp(name.c_str() + name.size() - length, suffix) == 0) {
      return true;
    }
  }
  return false;
}

bool matches_globs(const std::string& name, const config::SourceFolder& source) {
  const auto& include = source.include.empty() ? config::default_image_globs() : source.include;
  auto matches = [&name](const std::string& pattern) {
    return ::fnmatch(pattern.c_str(), name.c_str(), FNM_CASEFOLD) == 0;
  };
  return std::any_of(include.begin(), include.end(), matches) &&
         std::none_of(source.exclude.begin(), source.exclude.end(), matches);
}

Result<catalog::FileStat> stat_file(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return make_error(ErrorCategory::kLocalIo,
                      fmt::format("cannot stat {}: {}", path.string(), std::strerror(errno)));
  }
  if (!S_ISREG(info.st_mode)) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("{} is not a regular file", path.string()));
  }
  catalog::FileStat stat;
  stat.size = static_cast<std::uint64_t>(info.st_size);
  stat.mtime_ns =
      static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000LL + info.st_mtim.tv_nsec;
  stat.inode = static_cast<std::uint64_t>(info.st_ino);
  stat.ctime_ns =
      static_cast<std::int64_t>(info.st_ctim.tv_sec) * 1000000000LL + info.st_ctim.tv_nsec;
  return stat;
}

SourceWalker::SourceWalker(std::vector<config::SourceFolder> sources, Skipped skipped)
    : sources_(std::move(sources)), skipped_(std::move(skipped)) {}

Status SourceWalker::start() {
  for (const auto& source : sources_) {
    std::error_code error;
    const auto root = std::filesystem::absolute(source.path, error).lexically_normal();
    if (!std::filesystem::is_directory(root, error)) {
      return make_error(ErrorCategory::kInvalidInput,
                        fmt::format("source folder {} does not exist or is not a folder; check "
                                    "the path (in imgsync.toml [[source]] or on the command line)",
                                    source.path.string()));
    }
    if (::access(root.c_str(), R_OK | X_OK) != 0) {
      return make_error(ErrorCategory::kLocalIo, fmt::format("cannot read source folder {}: {}",
                                                             root.string(), std::strerror(errno)));
    }
  }
  index_ = 0;
  walker_.reset();
  return {};
}

bool SourceWalker::open_source() {
  while (index_ < sources_.size()) {
    std::error_code error;
    root_ = std::filesystem::absolute(sources_[index_].path, error).lexically_normal();
    walker_.emplace(root_, std::filesystem::directory_options::skip_permission_denied, error);
    if (!error) return true;
    if (skipped_) skipped_(root_, error.message());
    walker_.reset();
    ++index_;
  }
  return false;
}

std::optional<ScannedFile> SourceWalker::next() {
  for (;;) {
    if (!walker_ && !open_source()) return std::nullopt;
    auto& it = *walker_;
    if (it == std::filesystem::recursive_directory_iterator()) {
      walker_.reset();
      ++index_;
      continue;
    }
    const config::SourceFolder& source = sources_[index_];
    std::error_code error;
    const std::filesystem::path path = it->path();
    const std::string name = path.filename().string();
    std::optional<ScannedFile> found;
    if (it->is_directory(error)) {
      if (!name.empty() && name.front() == '.') it.disable_recursion_pending();  // .imgsync, .git
    } else if (!is_temporary_name(name) && matches_globs(name, source)) {
      auto stat = stat_file(path);
      if (stat.ok()) {
        found = ScannedFile{path,        root_, path.lexically_relative(root_),
                            source.kind, *stat, source.ready_marker};
      } else if (skipped_) {
        skipped_(path, stat.error().message);
      }
    }
    it.increment(error);
    if (error) {
      if (skipped_) skipped_(path, error.message());
      walker_.reset();  // an unreadable folder ends this source's walk; the rest is reported
      ++index_;
    }
    if (found) return found;
  }
}

Result<std::vector<ScannedFile>> scan_sources(
    const std::vector<config::SourceFolder>& sources,
    const std::function<void(const std::filesystem::path&, const std::string&)>& skipped) {
  SourceWalker walker(sources, skipped);
  if (Status ok = walker.start(); !ok.ok()) return ok.error();
  std::vector<ScannedFile> files;
  while (auto file = walker.next()) files.push_back(std::move(*file));
  std::sort(files.begin(), files.end(),
            [](const ScannedFile& a, const ScannedFile& b) { return a.path < b.path; });
  return files;
}

std::optional<ScannedFile> classify_path(const std::filesystem::path& path,
                                         const std::vector<config::SourceFolder>& sources) {
  std::error_code error;
  const auto absolute = std::filesystem::absolute(path, error).lexically_normal();
  const config::SourceFolder* best = nullptr;
  std::filesystem::path best_root;
  for (const auto& source : sources) {
    const auto root = std::filesystem::absolute(source.path, error).lexically_normal();
    const auto relative = absolute.lexically_relative(root);
    if (relative.empty() || *relative.begin() == "..") continue;
    if (best == nullptr || root.string().size() > best_root.string().size()) {
      best = &source;
      best_root = root;
    }
  }
  if (best == nullptr) return std::nullopt;
  const std::string name = absolute.filename().string();
  if (is_temporary_name(name) || !matches_globs(name, *best)) return std::nullopt;
  for (const auto& part : absolute.lexically_relative(best_root).parent_path()) {
    if (!part.empty() && part.string().front() == '.') return std::nullopt;  // hidden folders
  }
  auto stat = stat_file(absolute);
  if (!stat.ok()) return std::nullopt;
  return ScannedFile{absolute,   best_root, absolute.lexically_relative(best_root),
                     best->kind, *stat,     best->ready_marker};
}

bool marker_present(const ScannedFile& file) {
  if (file.ready_marker.empty()) return true;
  std::error_code error;
  const auto folder = file.path.parent_path();
  const std::string stem = file.path.stem().string();
  const std::string name = file.path.filename().string();
  if (file.ready_marker == "sidecar") {
    for (const std::string& candidate : {stem + ".xmp", name + ".xmp", stem + ".json"}) {
      if (std::filesystem::exists(folder / candidate, error)) return true;
    }
    return false;
  }
  return std::filesystem::exists(folder / (stem + file.ready_marker), error) ||
         std::filesystem::exists(folder / (name + file.ready_marker), error);
}

std::optional<ScannedFile> scanned_from_record(const catalog::FileRecord& record) {
  auto stat = stat_file(record.path);
  if (!stat.ok()) return std::nullopt;
  ScannedFile file;
  file.path = record.path;
  file.source =
      record.source.empty() ? file.path.parent_path() : std::filesystem::path(record.source);
  file.relative = file.path.lexically_relative(file.source);
  file.kind = record.kind;
  file.stat = *stat;
  return file;
}

}  // namespace imgsync::app
