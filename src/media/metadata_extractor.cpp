#include "media/metadata_extractor.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <new>
#include <utility>
#include <vector>

#include <exiv2/exiv2.hpp>

#include "media/exif_reader.h"
#include "media/exiv2_runtime.h"
#include "media/heif_image_size.h"
#include "media/jpeg_xr_reader.h"
#include "media/metadata_layer.h"
#include "media/mime_sniffer.h"
#include "media/sidecar_reader.h"
#include "media/xmp_reader.h"
#include "util/hashing.h"

namespace imgsync::media {

namespace {

struct EmbeddedMetadata {
  MetadataLayer layer;
  std::string mime;
  bool read_by_exiv2 = false;
};

// Files Exiv2 cannot open (JPEG XR) are read whole; images are far below this.
constexpr std::uintmax_t kMaxWholeFileBytes = 1024ull * 1024 * 1024;

Result<std::string> read_whole_file(const std::filesystem::path& file) {
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(file, error);
  if (error) {
    return make_error(ErrorCategory::kLocalIo,
                      "cannot read " + file.string() + ": " + error.message());
  }
  if (size > kMaxWholeFileBytes) {
    return make_error(ErrorCategory::kInvalidInput, file.string() + ": too large to read whole");
  }
  std::string bytes(static_cast<std::size_t>(size), '\0');
  std::ifstream stream(file, std::ios::binary);
  if (!stream.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
    return make_error(ErrorCategory::kLocalIo, "cannot read " + file.string());
  }
  return bytes;
}

// Formats with a reader of our own where Exiv2 0.27 has none.
Status read_without_exiv2(EmbeddedMetadata& embedded, std::string_view file_bytes,
                          const std::string& name) {
  if (embedded.read_by_exiv2 || embedded.mime != "image/jxr") return Status::success();
  auto layer = read_jpeg_xr_layer(file_bytes);
  if (!layer.ok()) {
    return make_error(ErrorCategory::kInvalidInput, name + ": " + layer.error().message);
  }
  embedded.layer = std::move(*layer);
  return Status::success();
}

bool is_heif_family(const std::string& mime) {
  return mime == "image/heic" || mime == "image/heif" || mime == "image/avif" ||
         mime == "image/heic-sequence";
}

// Exiv2's video readers (QuickTime/MP4, RIFF/AVI, Matroska, ASF): imgsync reads still images,
// and these readers hang on hostile input (a QuickTime 'ftyp' box with a 4 GB size spins in
// QuickTimeVideo::fileTypeDecoder for minutes; found by fuzz/). Real HEIF, AVIF and CR3 files are
// claimed by Exiv2's BMFF reader first; a file only the video readers claim is read without
// Exiv2, as an image of the sniffed type without embedded metadata, or refused.
// The ImageType numbers are those of Exiv2 0.27's riffvideo.hpp, matroskavideo.hpp,
// quicktimevideo.hpp and asfvideo.hpp, which cannot be included on their own (asfvideo.hpp needs
// Exiv2 internals).
bool is_video_container(int exiv2_type) {
  constexpr int kRiff = 20, kMatroska = 21, kQuickTime = 22, kAsf = 24;
  return exiv2_type == kRiff || exiv2_type == kMatroska || exiv2_type == kQuickTime ||
         exiv2_type == kAsf;
}

// What the image itself says, through Exiv2. `sniffed_mime` is the content type from the magic
// bytes (empty when unrecognised); a format we recognise but Exiv2 cannot read (JPEG XR,
// BigTIFF...) is still an image, just one without embedded metadata.
Result<EmbeddedMetadata> read_embedded(Exiv2::BasicIo::AutoPtr io, std::string sniffed_mime,
                                       const std::string& name) {
  EmbeddedMetadata embedded;
  embedded.mime = std::move(sniffed_mime);
  Exiv2::Image::AutoPtr image;
  try {
    if (!is_video_container(Exiv2::ImageFactory::getType(*io))) {
      image = Exiv2::ImageFactory::open(io);
    }
  } catch (const Exiv2::AnyError&) {
    image.reset();
  }
  if (image.get() == nullptr) {
    if (!embedded.mime.empty()) return embedded;
    return make_error(ErrorCategory::kInvalidInput,
                      name + ": not an image format imgsync recognises");
  }
  try {
    image->readMetadata();
  } catch (const Exiv2::AnyError& error) {
    return make_error(
        ErrorCategory::kInvalidInput,
        name + ": the metadata is damaged and cannot be read (" + std::string(error.what()) + ")");
  }
  embedded.read_by_exiv2 = true;
  embedded.layer = read_exif_layer(image->exifData(), image->iptcData());
  fill_missing(embedded.layer, read_xmp_layer(image->xmpData()));
  if (image->pixelWidth() > 0 && image->pixelHeight() > 0) {
    embedded.layer.width = image->pixelWidth();
    embedded.layer.height = image->pixelHeight();
  }
  if (embedded.mime.empty()) embedded.mime = image->mimeType();
  if (embedded.mime == "image/tiff" && exif_says_dng(image->exifData())) {
    embedded.mime = "image/x-adobe-dng";
  }
  return embedded;
}

// digest_file() without the MD5: the SHA-256 and size only (`md5` stays zero).
Result<FileDigests> sha256_of_file(const std::string& name) {
  std::ifstream stream(name, std::ios::binary);
  if (!stream) {
    return make_error(ErrorCategory::kLocalIo, "cannot open " + name + ": " + std::strerror(errno));
  }
  Sha256 sha;
  FileDigests digests;
  thread_local std::vector<char> buffer(1 << 20);  // once per thread, not zeroed per file
  while (stream) {
    stream.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(stream.gcount());
    sha.update(buffer.data(), got);
    digests.bytes += got;
  }
  if (stream.bad()) return make_error(ErrorCategory::kLocalIo, "cannot read " + name);
  digests.sha256 = sha.finish();
  return digests;
}

std::optional<CaptureTime> modification_time(const std::filesystem::path& file) {
  std::error_code error;
  const auto file_time = std::filesystem::last_write_time(file, error);
  if (error) return std::nullopt;
  const auto system_time = std::chrono::file_clock::to_sys(file_time);
  const std::time_t seconds =
      std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(system_time));
  std::tm local{};
  if (localtime_r(&seconds, &local) == nullptr) return std::nullopt;
  CaptureTime time;
  time.year = local.tm_year + 1900;
  time.month = local.tm_mon + 1;
  time.day = local.tm_mday;
  time.hour = local.tm_hour;
  time.minute = local.tm_min;
  time.second = local.tm_sec;
  time.utc_offset_minutes = static_cast<int>(local.tm_gmtoff / 60);
  time.source = CaptureTimeSource::kFileModificationTime;
  return time;
}

Result<ImageMetadata> extract_from_file(const std::filesystem::path& file,
                                        FileDigests* digests_out) {
  initialize_exiv2();
  const std::string name = file.string();
  std::error_code error;
  const auto status = std::filesystem::status(file, error);
  if (error || !std::filesystem::exists(status)) {
    return make_error(
        ErrorCategory::kLocalIo,
        "cannot read " + name + ": " + (error ? error.message() : std::string("no such file")));
  }
  if (!std::filesystem::is_regular_file(status)) {
    return make_error(ErrorCategory::kLocalIo, "cannot read " + name + ": not a regular file");
  }

  auto mime = sniff_mime_of_file(file);
  if (!mime.ok()) return mime.take_error();
  Exiv2::BasicIo::AutoPtr io(new Exiv2::FileIo(name));
  auto embedded = read_embedded(io, std::move(*mime), name);
  if (!embedded.ok()) return embedded.take_error();
  if (!embedded->read_by_exiv2 && embedded->mime == "image/jxr") {
    auto bytes = read_whole_file(file);
    if (!bytes.ok()) return bytes.take_error();
    if (Status status = read_without_exiv2(*embedded, *bytes, name); !status.ok()) {
      return status.error();
    }
  }
  MetadataLayer layer = std::move(embedded->layer);
  if (is_heif_family(embedded->mime)) {
    if (const auto size = read_heif_primary_size(file)) {
      layer.width = size->width;
      layer.height = size->height;
    }
  }

  for (const Sidecar& sidecar : find_sidecars(file)) {
    auto overlay = read_sidecar(sidecar);
    if (!overlay.ok()) return overlay.take_error();
    override_with(layer, *overlay);
  }
  if (!layer.captured_at) layer.captured_at = modification_time(file);

  // MD5 (for S3) only when the caller wants it: it costs more than the SHA-256 and the metadata
  // reading together (`imgsync meta` ran at half speed with it).
  auto digests = digests_out != nullptr ? digest_file(name) : sha256_of_file(name);
  if (!digests.ok()) return digests.take_error();

  ImageMetadata metadata;
  metadata.path = name;
  metadata.mime = std::move(embedded->mime);
  apply_layer(layer, metadata);
  metadata.sha256 = to_hex(digests->sha256);
  metadata.bytes = digests->bytes;
  if (digests_out != nullptr) *digests_out = *digests;
  return metadata;
}

Result<ImageMetadata> extract_from_memory(std::string_view bytes) {
  initialize_exiv2();
  std::string mime = sniff_mime(bytes.substr(0, kMimeSniffBytes));
  Exiv2::BasicIo::AutoPtr io(new Exiv2::MemIo(reinterpret_cast<const Exiv2::byte*>(bytes.data()),
                                              static_cast<long>(bytes.size())));
  auto embedded = read_embedded(io, std::move(mime), "<memory>");
  if (!embedded.ok()) return embedded.take_error();
  if (Status status = read_without_exiv2(*embedded, bytes, "<memory>"); !status.ok()) {
    return status.error();
  }
  if (is_heif_family(embedded->mime)) {
    if (const auto size = heif_primary_size_from_bytes(bytes)) {
      embedded->layer.width = size->width;
      embedded->layer.height = size->height;
    }
  }
  ImageMetadata metadata;
  metadata.mime = std::move(embedded->mime);
  apply_layer(embedded->layer, metadata);
  metadata.bytes = bytes.size();
  return metadata;
}

// Exiv2 throws for damaged files and may run out of memory on absurd sizes; nothing escapes.
template <typename Function>
Result<ImageMetadata> without_exceptions(const std::string& name, Function&& function) {
  try {
    return function();
  } catch (const std::bad_alloc&) {
    return make_error(ErrorCategory::kInvalidInput,
                      name + ": out of memory while reading the metadata (damaged file?)");
  } catch (const Exiv2::AnyError& error) {
    return make_error(ErrorCategory::kInvalidInput,
                      name + ": cannot read the metadata (" + std::string(error.what()) + ")");
  } catch (const std::exception& error) {
    return make_error(ErrorCategory::kInvalidInput,
                      name + ": cannot read the metadata (" + std::string(error.what()) + ")");
  } catch (...) {
    return make_error(ErrorCategory::kInvalidInput, name + ": cannot read the metadata");
  }
}

}  // namespace

Result<ImageMetadata> extract_metadata(const std::filesystem::path& file, FileDigests* digests) {
  return without_exceptions(file.string(), [&] { return extract_from_file(file, digests); });
}

Result<ImageMetadata> extract_embedded_metadata(std::string_view bytes) {
  return without_exceptions("<memory>", [&] { return extract_from_memory(bytes); });
}

}  // namespace imgsync::media
