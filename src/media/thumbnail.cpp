#include "media/thumbnail.h"

#include <fmt/format.h>
#include <vips/vips.h>
#include <exiv2/exiv2.hpp>

#include <array>
#include <memory>
#include <mutex>
#include <string_view>

#include "media/exiv2_runtime.h"
#include "media/jpeg_thumbnail.h"

// libvips' switch for its ORC vector paths (exported, declared in an internal header).
extern "C" void vips_vector_set_enabled(gboolean enabled);

namespace imgsync::media {
namespace {

// Formats libvips decodes itself; anything else (camera raw) goes through its embedded preview.
constexpr std::array<std::string_view, 9> kDecodedByVips = {
    "image/jpeg", "image/png",  "image/tiff", "image/webp", "image/gif",
    "image/heic", "image/heif", "image/avif", "image/jp2"};

bool decoded_by_vips(const std::string& mime) {
  for (std::string_view known : kDecodedByVips) {
    if (mime == known) return true;
  }
  return false;
}

Status initialize_vips() {
  static std::once_flag once;
  static bool ready = false;
  std::call_once(once, [] {
    if (vips_init("imgsync") != 0) return;
    // ImageMagick, PDF, SVG and other loaders libvips marks untrusted never see our input.
    vips_block_untrusted_set(TRUE);
    // Each file is thumbnailed once: caching operations would only hold memory.
    vips_cache_set_max(0);
    // Thumbnails are made in parallel, one image per worker thread: libvips' own threads per
    // image only add locking for images this small (docs/benchmarks.md: thumbnails).
    vips_concurrency_set(1);
    // ORC, libvips' run-time code generator for its vector paths, crashed a watch daemon making
    // thumbnails on two threads (a general protection fault inside liborc, under load): libvips'
    // plain C paths are used instead. JPEGs, the common case, do not reach libvips at all
    // (media/jpeg_thumbnail.h).
    vips_vector_set_enabled(FALSE);
    // libvips reports damaged input on stderr through GLib; imgsync reports it as an Error.
    g_log_set_handler(
        "VIPS",
        static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO |
                                    G_LOG_LEVEL_DEBUG),
        [](const gchar*, GLogLevelFlags, const gchar*, gpointer) {}, nullptr);
    ready = true;
  });
  if (!ready) return make_error(ErrorCategory::kFatal, "libvips could not be initialised");
  return {};
}

// libvips' error text, cleared for the next call.
std::string vips_failure() {
  std::string text = vips_error_buffer();
  vips_error_clear();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  const auto newline = text.find('\n');  // the first line says it; the rest repeats it
  if (newline != std::string::npos) text.resize(newline);
  return text.empty() ? std::string("unknown libvips error") : text;
}

struct ImageDeleter {
  void operator()(VipsImage* image) const { g_object_unref(image); }
};
using ImagePtr = std::unique_ptr<VipsImage, ImageDeleter>;

// Every metadata block but the colour profile goes: no EXIF, XMP or IPTC (privacy: no GPS, no
// serial numbers). libvips 8.14's webpsave "strip" still writes the EXIF of a HEIC source, so
// the fields are removed from the image itself.
Result<ImagePtr> without_metadata(ImagePtr image) {
  VipsImage* copy = nullptr;
  if (vips_copy(image.get(), &copy, nullptr) != 0) {
    return make_error(ErrorCategory::kInvalidInput, vips_failure());
  }
  ImagePtr stripped(copy);
  gchar** fields = vips_image_get_fields(stripped.get());
  for (gchar** field = fields; *field != nullptr; ++field) {
    const std::string_view name(*field);
    if (name.starts_with("exif-") || name.starts_with("xmp-") || name.starts_with("iptc-") ||
        name.starts_with("gps-")) {
      vips_image_remove(stripped.get(), *field);
    }
  }
  g_strfreev(fields);
  return stripped;
}

std::uint32_t read_le32(const std::string& bytes, std::size_t at) {
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = value << 8 | static_cast<unsigned char>(bytes[at + i]);
  return value;
}

void write_le32(std::string& bytes, std::size_t at, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>(value >> (8 * i) & 0xff);
}

// libvips 8.14 writes a small EXIF chunk (resolution, orientation) even with "strip"; the WebP
// container loses its EXIF and XMP chunks here, and the VP8X header its flags for them.
std::string without_riff_metadata(const std::string& webp) {
  if (webp.size() < 12 || webp.compare(0, 4, "RIFF") != 0 || webp.compare(8, 4, "WEBP") != 0) {
    return webp;
  }
  std::string out = webp.substr(0, 12);
  for (std::size_t at = 12; at + 8 <= webp.size();) {
    const std::string fourcc = webp.substr(at, 4);
    const std::size_t length = read_le32(webp, at + 4);
    const std::size_t padded = 8 + length + (length & 1);
    if (at + padded > webp.size()) return webp;  // not the container we wrote: leave it
    if (fourcc != "EXIF" && fourcc != "XMP ") out += webp.substr(at, padded);
    at += padded;
  }
  if (out.size() >= 21 && out.compare(12, 4, "VP8X") == 0) {
    constexpr unsigned char kExifFlag = 0x08, kXmpFlag = 0x04;
    out[20] = static_cast<char>(static_cast<unsigned char>(out[20]) & ~(kExifFlag | kXmpFlag));
  }
  write_le32(out, 4, static_cast<std::uint32_t>(out.size() - 8));
  return out;
}

Result<Thumbnail> encode(ImagePtr upright, const ThumbnailOptions& options) {
  auto image = without_metadata(std::move(upright));
  if (!image.ok()) return image.take_error();
  void* buffer = nullptr;
  std::size_t length = 0;
  if (options.format == ThumbnailFormat::kJpeg) {
    if (vips_jpegsave_buffer(image->get(), &buffer, &length, "Q", options.quality,
                             "optimize_coding", FALSE, "strip", TRUE, nullptr) != 0) {
      return make_error(ErrorCategory::kInvalidInput,
                        "cannot encode the thumbnail as JPEG: " + vips_failure());
    }
  } else if (vips_webpsave_buffer(image->get(), &buffer, &length, "Q", options.quality, "effort",
                                  options.effort, "strip", TRUE, nullptr) != 0) {
    return make_error(ErrorCategory::kInvalidInput,
                      "cannot encode the thumbnail as WebP: " + vips_failure());
  }
  Thumbnail thumbnail;
  thumbnail.bytes = without_riff_metadata(std::string(static_cast<const char*>(buffer), length));
  g_free(buffer);
  thumbnail.width = vips_image_get_width(image->get());
  thumbnail.height = vips_image_get_height(image->get());
  return thumbnail;
}

// Turns an image that carries no orientation of its own by the one imgsync read elsewhere.
Result<ImagePtr> apply_orientation(ImagePtr image, int orientation) {
  if (orientation <= 1 || orientation > 8) return image;
  VipsImage* copy = nullptr;
  if (vips_copy(image.get(), &copy, nullptr) != 0) {
    return make_error(ErrorCategory::kInvalidInput, vips_failure());
  }
  ImagePtr tagged(copy);
  vips_image_set_int(tagged.get(), VIPS_META_ORIENTATION, orientation);
  VipsImage* upright = nullptr;
  if (vips_autorot(tagged.get(), &upright, nullptr) != 0) {
    return make_error(ErrorCategory::kInvalidInput, vips_failure());
  }
  return ImagePtr(upright);
}

}  // namespace

const char* content_type(ThumbnailFormat format) {
  return format == ThumbnailFormat::kJpeg ? "image/jpeg" : "image/webp";
}

bool thumbnail_decoded_by_libvips(const std::string& mime) {
  return decoded_by_vips(mime);
}

Result<Thumbnail> make_thumbnail_from_buffer(const std::string& bytes, int orientation,
                                             const ThumbnailOptions& options) {
  if (Status ok = initialize_vips(); !ok.ok()) return ok.error();
  vips_error_clear();  // an earlier file's warnings must not be reported as this one's
  VipsImage* out = nullptr;
  // Embedded previews rarely carry an orientation: libvips leaves them as they are and the
  // caller's orientation turns them.
  if (vips_thumbnail_buffer(const_cast<char*>(bytes.data()), bytes.size(), &out, options.long_edge,
                            "height", options.long_edge, "size", VIPS_SIZE_DOWN, "no_rotate", TRUE,
                            nullptr) != 0) {
    return make_error(ErrorCategory::kInvalidInput, "no readable image: " + vips_failure());
  }
  auto upright = apply_orientation(ImagePtr(out), orientation);
  if (!upright.ok()) return upright.take_error();
  return encode(std::move(*upright), options);
}

Result<Thumbnail> make_thumbnail(const std::filesystem::path& file, const std::string& mime,
                                 int orientation, const ThumbnailOptions& options) {
  if (Status ok = initialize_vips(); !ok.ok()) return ok.error();
  vips_error_clear();  // an earlier file's warnings must not be reported as this one's
  if (mime == "image/jpeg" && options.jpeg_fast_path) {
    if (auto fast = jpeg_fast_thumbnail(file, options)) return std::move(*fast);
  }
  if (decoded_by_vips(mime)) {
    VipsImage* out = nullptr;
    // The file's own EXIF orientation turns it (libvips' auto-rotate).
    if (vips_thumbnail(file.c_str(), &out, options.long_edge, "height", options.long_edge, "size",
                       VIPS_SIZE_DOWN, nullptr) != 0) {
      return make_error(ErrorCategory::kInvalidInput,
                        fmt::format("no thumbnail from {}: {}", file.string(), vips_failure()));
    }
    return encode(ImagePtr(out), options);
  }
  auto preview = embedded_preview(file, mime);
  if (!preview.ok()) return preview.take_error();
  auto thumbnail = make_thumbnail_from_buffer(*preview, orientation, options);
  if (!thumbnail.ok()) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("no thumbnail from {}'s embedded preview: {}", file.string(),
                                  thumbnail.error().message));
  }
  return thumbnail;
}

Result<std::string> embedded_preview(const std::filesystem::path& file, const std::string& mime) {
  if (mime.rfind("image/", 0) != 0) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("no thumbnail from {}: {} is not an image type", file.string(),
                                  mime.empty() ? std::string("an unknown type") : mime));
  }
  // Camera raw: the largest preview the camera embedded.
  initialize_exiv2();
  std::string preview_bytes;
  try {
    auto image = Exiv2::ImageFactory::open(file.string());
    image->readMetadata();
    Exiv2::PreviewManager previews(*image);
    const auto list = previews.getPreviewProperties();
    const Exiv2::PreviewProperties* best = nullptr;
    for (const auto& properties : list) {
      if (best == nullptr || std::uint64_t{properties.width_} * properties.height_ >
                                 std::uint64_t{best->width_} * best->height_) {
        best = &properties;
      }
    }
    if (best != nullptr) {
      Exiv2::PreviewImage preview = previews.getPreviewImage(*best);
      preview_bytes.assign(reinterpret_cast<const char*>(preview.pData()), preview.size());
    }
  } catch (const std::exception& error) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("no thumbnail from {}: {}", file.string(), error.what()));
  }
  if (preview_bytes.empty()) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("no thumbnail from {}: a {} file without an embedded preview",
                                  file.string(), mime));
  }
  return preview_bytes;
}

}  // namespace imgsync::media
