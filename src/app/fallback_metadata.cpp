#include "app/fallback_metadata.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>

#include "media/mime_sniffer.h"

namespace imgsync::app {
namespace {

// When the content says nothing: the type its extension names, else a generic one.
std::string mime_by_extension(const std::filesystem::path& file) {
  static const std::map<std::string, std::string> kByExtension = {{".jpg", "image/jpeg"},
                                                                  {".jpeg", "image/jpeg"},
                                                                  {".png", "image/png"},
                                                                  {".tif", "image/tiff"},
                                                                  {".tiff", "image/tiff"},
                                                                  {".heic", "image/heic"},
                                                                  {".heif", "image/heif"},
                                                                  {".webp", "image/webp"},
                                                                  {".gif", "image/gif"},
                                                                  {".x3f", "image/x-sigma-x3f"},
                                                                  {".cr3", "image/x-canon-cr3"},
                                                                  {".cr2", "image/x-canon-cr2"},
                                                                  {".nef", "image/x-nikon-nef"},
                                                                  {".arw", "image/x-sony-arw"},
                                                                  {".dng", "image/x-adobe-dng"},
                                                                  {".orf", "image/x-olympus-orf"},
                                                                  {".rw2", "image/x-panasonic-rw2"},
                                                                  {".raf", "image/x-fuji-raf"},
                                                                  {".jp2", "image/jp2"},
                                                                  {".jxl", "image/jxl"},
                                                                  {".avif", "image/avif"},
                                                                  {".bmp", "image/bmp"}};
  std::string extension = file.extension().string();
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto found = kByExtension.find(extension);
  return found != kByExtension.end() ? found->second : "application/octet-stream";
}

std::optional<media::CaptureTime> modification_time(std::int64_t seconds_since_epoch) {
  const std::time_t seconds = static_cast<std::time_t>(seconds_since_epoch);
  std::tm local{};
  if (localtime_r(&seconds, &local) == nullptr) return std::nullopt;
  media::CaptureTime time;
  time.year = local.tm_year + 1900;
  time.month = local.tm_mon + 1;
  time.day = local.tm_mday;
  time.hour = local.tm_hour;
  time.minute = local.tm_min;
  time.second = local.tm_sec;
  time.utc_offset_minutes = static_cast<int>(local.tm_gmtoff / 60);
  time.source = media::CaptureTimeSource::kFileModificationTime;
  return time;
}

}  // namespace

Result<media::ImageMetadata> fallback_metadata(const std::filesystem::path& file, const Error& why,
                                               FileDigests& digests) {
  struct stat info {};
  if (::stat(file.c_str(), &info) != 0) {
    return make_error(ErrorCategory::kLocalIo,
                      "cannot read " + file.string() + ": " + std::strerror(errno));
  }
  auto read = digest_file(file.string());
  if (!read.ok()) return read.take_error();
  digests = *read;
  media::ImageMetadata metadata;
  metadata.path = file.string();
  auto sniffed = media::sniff_mime_of_file(file);
  metadata.mime = sniffed.ok() && !sniffed->empty() && *sniffed != "application/octet-stream"
                      ? *sniffed
                      : mime_by_extension(file);
  metadata.captured_at = modification_time(info.st_mtim.tv_sec);
  metadata.sha256 = to_hex(digests.sha256);
  metadata.bytes = digests.bytes;
  metadata.metadata_error = why.message.empty() ? "the metadata could not be read" : why.message;
  metadata.read_status = media::MetadataReadStatus::kUnreadable;
  return metadata;
}

}  // namespace imgsync::app
