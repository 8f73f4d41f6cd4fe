#include "media/embedded_reader.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <utility>

#include <exiv2/exiv2.hpp>

#include "media/block_guard.h"
#include "media/block_salvage.h"
#include "media/exif_reader.h"
#include "media/iptc_reader.h"
#include "media/jpeg_xr_reader.h"
#include "media/raw_block_readers.h"
#include "media/xmp_reader.h"

namespace imgsync::media {

namespace {

// Whole-file readers (JPEG XR, X3F, FFF) stop here; images are far below it.
constexpr std::size_t kMaxWholeFileBytes = std::size_t{1} << 30;
// Where the blocks of a file Exiv2 refuses are looked for.
constexpr std::size_t kSalvageBytes = std::size_t{64} << 20;
// A JPEG's APP segments: the start is enough for "[picture info]"; FLIR's records need more.
constexpr std::size_t kJpegProbeBytes = std::size_t{64} << 10;
constexpr std::size_t kJpegFlirBytes = std::size_t{32} << 20;
// Where a JPEG's APP13 (IPTC) is looked for: after EXIF (at most 64 KiB) and XMP.
constexpr std::size_t kIptcSearchBytes = std::size_t{512} << 10;
// CR3: moov (with Canon's uuid box and its CMT boxes) comes first, in well under 1 MiB.
constexpr std::size_t kCr3HeadBytes = std::size_t{1} << 20;

// Exiv2's video readers (QuickTime/MP4, RIFF/AVI, Matroska, ASF) hang on hostile input (a
// QuickTime 'ftyp' box with a 4 GB size spins for minutes; found by fuzz/). Real HEIF, AVIF and
// CR3 files are claimed by the BMFF reader first. The numbers are Exiv2 0.27's ImageType values
// (riffvideo.hpp, matroskavideo.hpp, quicktimevideo.hpp, asfvideo.hpp cannot be included alone).
bool is_video_container(int exiv2_type) {
  constexpr int kRiff = 20, kMatroska = 21, kQuickTime = 22, kAsf = 24;
  return exiv2_type == kRiff || exiv2_type == kMatroska || exiv2_type == kQuickTime ||
         exiv2_type == kAsf;
}

Exiv2::Image::AutoPtr open_with_exiv2(ImageBytes& bytes) {
  Exiv2::BasicIo::AutoPtr io;
  if (bytes.in_memory()) {
    const auto all = bytes.head(kMaxWholeFileBytes);
    io.reset(new Exiv2::MemIo(reinterpret_cast<const Exiv2::byte*>(all->data()),
                              static_cast<long>(all->size())));
  } else {
    io.reset(new Exiv2::FileIo(bytes.file().string()));
  }
  try {
    if (is_video_container(Exiv2::ImageFactory::getType(*io))) return Exiv2::Image::AutoPtr();
    return Exiv2::ImageFactory::open(io);
  } catch (const Exiv2::AnyError&) {
    return Exiv2::Image::AutoPtr();
  }
}

// The IIM records Exiv2 decoded the IPTC block from: TIFF's IPTCNAA tag, else a JPEG's APP13.
std::optional<std::string> raw_iptc_records(Exiv2::Image& image, ImageBytes& bytes) {
  const auto tag = image.exifData().findKey(Exiv2::ExifKey("Exif.Image.IPTCNAA"));
  if (tag != image.exifData().end()) {
    std::string copied(static_cast<std::size_t>(tag->size()), '\0');
    tag->copy(reinterpret_cast<Exiv2::byte*>(copied.data()), Exiv2::bigEndian);
    return copied;
  }
  const auto head = bytes.head(kIptcSearchBytes);
  if (!head.ok()) return std::nullopt;
  const auto resources = find_photoshop_resources(*head);
  if (!resources) return std::nullopt;
  const auto records = iptc_records_in_photoshop(*resources);
  if (!records) return std::nullopt;
  return std::string(*records);
}

// EXIF, IPTC and XMP as Exiv2 read them, each on its own; after a failed readMetadata() they
// hold what Exiv2 got before it gave up.
void read_exiv2_blocks(Exiv2::Image& image, ImageBytes& bytes, BlockGuard& guard) {
  if (!image.exifData().empty()) {
    guard.read("EXIF", [&] { return read_exif_layer(image.exifData()); });
  }
  if (!image.iptcData().empty()) {
    guard.read("IPTC", [&] {
      const std::optional<std::string> raw = raw_iptc_records(image, bytes);
      return read_iptc_layer(image.iptcData(),
                             raw ? std::optional<std::string_view>(*raw) : std::nullopt);
    });
  }
  if (!image.xmpData().empty()) guard.read("XMP", [&] { return read_xmp_layer(image.xmpData()); });
}

void read_vendor_blocks(ImageBytes& bytes, const std::string& mime, BlockGuard& guard) {
  auto read_head = [&](const char* block, std::size_t limit, auto&& reader) {
    auto head = bytes.head(limit);
    if (!head.ok()) return guard.failed(block, head.error().message);
    guard.read(block, [&] { return reader(*head); });
  };
  if (mime == "image/jpeg") {
    auto probe = bytes.head(kJpegProbeBytes);
    if (!probe.ok()) return;
    const bool flir = probe->find(std::string_view("FLIR\0", 5)) != std::string_view::npos;
    const bool others = probe->find("[picture info]") != std::string_view::npos ||
                        probe->find("HEAPJPGM") != std::string_view::npos;
    if (flir || others) {
      read_head("APP segments", flir ? kJpegFlirBytes : kJpegProbeBytes, read_jpeg_vendor_segments);
    }
  } else if (mime == "image/x-canon-cr3") {
    read_head("CR3", kCr3HeadBytes, read_cr3_layer);
  } else if (mime == "image/x-sigma-x3f") {
    read_head("X3F", kMaxWholeFileBytes, read_x3f_layer);
  } else if (mime == "image/x-flir-fff") {
    read_head("FLIR", kMaxWholeFileBytes, read_flir_fff_layer);
  }
}

}  // namespace

Result<std::string_view> ImageBytes::head(std::size_t limit) {
  if (in_memory()) return memory_.substr(0, limit);
  if (cache_is_whole_ || cache_.size() >= limit) return std::string_view(cache_).substr(0, limit);
  std::ifstream stream(file_, std::ios::binary | std::ios::ate);
  if (!stream) return make_error(ErrorCategory::kLocalIo, "cannot open " + file_.string());
  const auto size = static_cast<std::size_t>(std::max<std::streamoff>(stream.tellg(), 0));
  stream.seekg(0);
  std::string bytes(std::min(limit, size), '\0');  // never the limit itself: it may be 1 GiB
  stream.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (stream.bad()) return make_error(ErrorCategory::kLocalIo, "cannot read " + file_.string());
  bytes.resize(static_cast<std::size_t>(stream.gcount()));
  cache_is_whole_ = bytes.size() < limit || size <= limit;
  cache_ = std::move(bytes);
  return std::string_view(cache_);
}

EmbeddedMetadata read_embedded(ImageBytes& bytes, std::string sniffed_mime) {
  EmbeddedMetadata out;
  out.mime = std::move(sniffed_mime);
  BlockGuard guard(out);
  Exiv2::Image::AutoPtr image = open_with_exiv2(bytes);
  bool exiv2_read = false;
  if (image.get() != nullptr) {
    guard.read("Exiv2", [&] {
      image->readMetadata();
      exiv2_read = true;
      guard.mark_read();
      return MetadataLayer{};
    });
    read_exiv2_blocks(*image, bytes, guard);
    // The pixel size is not a metadata block: it does not make an unreadable file "partial".
    if (image->pixelWidth() > 0 && image->pixelHeight() > 0) {
      out.layer.width = image->pixelWidth();
      out.layer.height = image->pixelHeight();
    }
    if (out.mime.empty()) out.mime = image->mimeType();
    if (exiv2_read && out.mime == "image/tiff" && exif_says_dng(image->exifData())) {
      out.mime = "image/x-adobe-dng";
    }
  }
  if (!exiv2_read && out.mime == "image/jxr") {
    auto whole = bytes.head(kMaxWholeFileBytes);
    if (whole.ok()) guard.read("JPEG XR", [&] { return read_jpeg_xr_layer(*whole); });
  } else if (!exiv2_read && image.get() != nullptr) {
    auto head = bytes.head(kSalvageBytes);
    if (head.ok()) salvage_blocks(*head, guard);
  }
  read_vendor_blocks(bytes, out.mime, guard);
  if (out.mime.empty()) guard.failed("format", "not an image format imgsync recognises");
  resolve_capture_time(out.layer);
  if (out.errors.empty()) {
    out.status = MetadataReadStatus::kComplete;
  } else {
    out.status =
        guard.read_something() ? MetadataReadStatus::kPartial : MetadataReadStatus::kUnreadable;
  }
  return out;
}

}  // namespace imgsync::media
