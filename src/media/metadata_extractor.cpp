#include "media/metadata_extractor.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <new>
#include <utility>
#include <vector>

#include <exiv2/exiv2.hpp>

#include "media/embedded_reader.h"
#include "media/exiv2_runtime.h"
#include "media/heif_image_size.h"
#include "media/metadata_layer.h"
#include "media/mime_sniffer.h"
#include "media/sidecar_reader.h"
#include "util/error_predicates.h"
#include "util/hashing.h"

namespace imgsync::media {

namespace {

enum class Strictness { kArchivable, kStrict };

bool is_heif_family(const std::string& mime) {
  return mime == "image/heic" || mime == "image/heif" || mime == "image/avif" ||
         mime == "image/heic-sequence";
}

std::string join_errors(const std::vector<std::string>& errors) {
  std::string joined;
  for (const std::string& error : errors) joined += (joined.empty() ? "" : "; ") + error;
  return joined;
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

Status check_regular_file(const std::filesystem::path& file) {
  std::error_code error;
  const auto status = std::filesystem::status(file, error);
  if (error || !std::filesystem::exists(status)) {
    return make_error(ErrorCategory::kLocalIo,
                      "cannot read " + file.string() + ": " +
                          (error ? error.message() : std::string("no such file")));
  }
  if (!std::filesystem::is_regular_file(status)) {
    return make_error(ErrorCategory::kLocalIo,
                      "cannot read " + file.string() + ": not a regular file");
  }
  return Status::success();
}

// Sidecars over the image's own layer. Strict: the first failing sidecar fails the file;
// archivable: it is skipped and named in `errors`.
Status apply_sidecars(const std::filesystem::path& file, Strictness strictness,
                      MetadataLayer& layer, std::vector<std::string>& errors) {
  for (const Sidecar& sidecar : find_sidecars(file)) {
    auto overlay = read_sidecar(sidecar);
    if (overlay.ok()) {
      override_with(layer, *overlay);
    } else if (strictness == Strictness::kStrict) {
      return overlay.error();
    } else {
      errors.push_back("sidecar: " + overlay.error().message);
    }
  }
  return Status::success();
}

// The result fields every file gets, from the embedded read and the errors collected.
ImageMetadata assemble(const std::string& name, EmbeddedMetadata embedded,
                       const MetadataLayer& layer, std::vector<std::string> errors) {
  ImageMetadata metadata;
  metadata.path = name;
  metadata.mime = std::move(embedded.mime);
  apply_layer(layer, metadata);
  metadata.read_status = embedded.status;
  if (!errors.empty() && metadata.read_status == MetadataReadStatus::kComplete) {
    metadata.read_status = MetadataReadStatus::kPartial;
  }
  metadata.metadata_error = join_errors(errors);
  return metadata;
}

// The file's digests: `known` when the caller read them already, else read now (MD5 only when
// the caller wants it: it costs more than the SHA-256 and the metadata reading together; `imgsync
// meta` ran at half speed with it).
Result<FileDigests> digests_of(const std::string& name, FileDigests* digests_out,
                               const FileDigests* known) {
  if (known != nullptr) return *known;
  return digest_file(name, 0, -1, /*with_md5=*/digests_out != nullptr);
}

Result<ImageMetadata> extract_from_file(const std::filesystem::path& file, FileDigests* digests_out,
                                        Strictness strictness, const FileDigests* known = nullptr) {
  initialize_exiv2();
  const std::string name = file.string();
  if (Status status = check_regular_file(file); !status.ok()) return status.error();
  auto mime = sniff_mime_of_file(file);
  if (!mime.ok()) return mime.take_error();

  ImageBytes bytes = ImageBytes::of_file(file);
  EmbeddedMetadata embedded = read_embedded(bytes, std::move(*mime));
  if (strictness == Strictness::kStrict && embedded.status == MetadataReadStatus::kUnreadable) {
    return make_error(ErrorCategory::kInvalidInput,
                      name + ": cannot read its metadata (" + join_errors(embedded.errors) + ")");
  }
  MetadataLayer layer = std::move(embedded.layer);
  if (is_heif_family(embedded.mime)) {
    if (const auto size = read_heif_primary_size(file)) {
      layer.width = size->width;
      layer.height = size->height;
    }
  }
  std::vector<std::string> errors = std::move(embedded.errors);
  if (Status status = apply_sidecars(file, strictness, layer, errors); !status.ok()) {
    return status.error();
  }
  if (!layer.captured_at) layer.captured_at = modification_time(file);
  if (embedded.mime.empty()) embedded.mime = mime_from_extension(file);

  auto digests = digests_of(name, digests_out, known);
  if (!digests.ok()) return digests.take_error();
  ImageMetadata metadata = assemble(name, std::move(embedded), layer, std::move(errors));
  metadata.sha256 = to_hex(digests->sha256);
  metadata.bytes = digests->bytes;
  if (digests_out != nullptr) *digests_out = *digests;
  return metadata;
}

Result<ImageMetadata> extract_from_memory(std::string_view bytes) {
  initialize_exiv2();
  ImageBytes input = ImageBytes::of_memory(bytes);
  EmbeddedMetadata embedded = read_embedded(input, sniff_mime(bytes.substr(0, kMimeSniffBytes)));
  if (embedded.status == MetadataReadStatus::kUnreadable) {
    return make_error(ErrorCategory::kInvalidInput,
                      "<memory>: cannot read its metadata (" + join_errors(embedded.errors) + ")");
  }
  MetadataLayer layer = std::move(embedded.layer);
  if (is_heif_family(embedded.mime)) {
    if (const auto size = heif_primary_size_from_bytes(bytes)) {
      layer.width = size->width;
      layer.height = size->height;
    }
  }
  std::vector<std::string> errors = std::move(embedded.errors);
  ImageMetadata metadata = assemble("", std::move(embedded), layer, std::move(errors));
  metadata.bytes = bytes.size();
  return metadata;
}

// The readers catch per block; this is the last net (e.g. out of memory outside any block).
template <typename Function>
Result<ImageMetadata> without_exceptions(const std::string& name, Function&& function) {
  try {
    return function();
  } catch (const std::bad_alloc&) {
    return make_error(ErrorCategory::kInvalidInput,
                      name + ": out of memory while reading the metadata (damaged file?)");
  } catch (const std::exception& error) {
    return make_error(ErrorCategory::kInvalidInput,
                      name + ": cannot read the metadata (" + std::string(error.what()) + ")");
  } catch (...) {
    return make_error(ErrorCategory::kInvalidInput, name + ": cannot read the metadata");
  }
}

}  // namespace

namespace {

Result<ImageMetadata> basic_metadata(const std::filesystem::path& file, FileDigests* digests_out,
                                     const std::string& error, const FileDigests* known) {
  const std::string name = file.string();
  auto digests = digests_of(name, digests_out, known);
  if (!digests.ok()) return digests.take_error();
  ImageMetadata metadata;
  metadata.path = name;
  metadata.mime = mime_from_extension(file);
  metadata.captured_at = modification_time(file);
  metadata.sha256 = to_hex(digests->sha256);
  metadata.bytes = digests->bytes;
  metadata.read_status = MetadataReadStatus::kUnreadable;
  metadata.metadata_error = error;
  if (digests_out != nullptr) *digests_out = *digests;
  return metadata;
}

Result<ImageMetadata> archivable_metadata(const std::filesystem::path& file, FileDigests* digests,
                                          const FileDigests* known) {
  auto metadata = without_exceptions(file.string(), [&] {
    return extract_from_file(file, digests, Strictness::kArchivable, known);
  });
  if (metadata.ok() || !is_invalid_input(metadata.error())) return metadata;
  return basic_metadata(file, digests, metadata.error().message, known);
}

}  // namespace

Result<ImageMetadata> basic_file_metadata(const std::filesystem::path& file,
                                          FileDigests* digests_out, const std::string& error) {
  return basic_metadata(file, digests_out, error, nullptr);
}

Result<ImageMetadata> basic_file_metadata(const std::filesystem::path& file,
                                          const FileDigests& known, const std::string& error) {
  return basic_metadata(file, nullptr, error, &known);
}

Result<ImageMetadata> extract_archivable_metadata(const std::filesystem::path& file,
                                                  FileDigests* digests) {
  return archivable_metadata(file, digests, nullptr);
}

Result<ImageMetadata> extract_archivable_metadata(const std::filesystem::path& file,
                                                  const FileDigests& known) {
  return archivable_metadata(file, nullptr, &known);
}

Result<ImageMetadata> extract_metadata(const std::filesystem::path& file, FileDigests* digests) {
  return without_exceptions(file.string(),
                            [&] { return extract_from_file(file, digests, Strictness::kStrict); });
}

Result<ImageMetadata> extract_embedded_metadata(std::string_view bytes) {
  return without_exceptions("<memory>", [&] { return extract_from_memory(bytes); });
}

}  // namespace imgsync::media
