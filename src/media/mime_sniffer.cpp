#include "media/mime_sniffer.h"

#include <cctype>
#include <utility>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>

namespace imgsync::media {

namespace {

bool starts_with(std::string_view head, std::string_view magic, std::size_t offset = 0) {
  return head.size() >= offset + magic.size() && head.substr(offset, magic.size()) == magic;
}

std::uint32_t read_be32(std::string_view bytes, std::size_t offset) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
  }
  return value;
}

// ISO base media files (HEIF, AVIF, CR3, MP4...): decided by the ftyp box's major brand and, for
// the generic HEIF brands, by the compatible brands.
std::string sniff_iso_bmff(std::string_view head) {
  const std::uint32_t box_size = read_be32(head, 0);
  const std::string_view major = head.substr(8, 4);
  std::string_view compatible;
  if (box_size >= 16 && head.size() >= 16) {
    compatible = head.substr(16, std::min<std::size_t>(box_size, head.size()) - 16);
  }
  auto has_compatible = [&](std::string_view brand) {
    for (std::size_t offset = 0; offset + 4 <= compatible.size(); offset += 4) {
      if (compatible.substr(offset, 4) == brand) return true;
    }
    return false;
  };
  if (major == "crx ") return "image/x-canon-cr3";
  if (major == "avif" || major == "avis") return "image/avif";
  if (major == "heic" || major == "heim" || major == "heis") return "image/heic";
  if (major == "hevc" || major == "hevx") return "image/heic-sequence";
  if (major == "heix" || major == "mif1" || major == "msf1" || major == "heif") {
    if (major != "heix" && has_compatible("avif")) return "image/avif";
    return "image/heif";
  }
  if (major == "jxl ") return "image/jxl";
  if (major == "jp2 ") return "image/jp2";
  if (major == "jpx ") return "image/jpx";
  if (major == "qt  ") return "video/quicktime";
  if (major == "crx " || has_compatible("crx ")) return "image/x-canon-cr3";
  if (has_compatible("avif")) return "image/avif";
  if (has_compatible("heic")) return "image/heic";
  if (has_compatible("mif1")) return "image/heif";
  return "video/mp4";
}

std::string sniff_tiff_family(std::string_view head) {
  if (starts_with(head, std::string_view("II*\0", 4)) && starts_with(head, "CR\x02", 8)) {
    return "image/x-canon-cr2";
  }
  if (starts_with(head, std::string_view("II*\0", 4)) ||
      starts_with(head, std::string_view("MM\0*", 4))) {
    return "image/tiff";
  }
  if (starts_with(head, std::string_view("II+\0", 4)) ||
      starts_with(head, std::string_view("MM\0+", 4))) {
    return "image/tiff";  // BigTIFF
  }
  if (starts_with(head, "IIRO") || starts_with(head, "IIRS") || starts_with(head, "MMOR")) {
    return "image/x-olympus-orf";
  }
  if (starts_with(head, std::string_view("IIU\0", 4))) return "image/x-panasonic-rw2";
  if (starts_with(head, std::string_view("II\xbc", 3))) return "image/jxr";
  return {};
}

bool looks_like_xmp(std::string_view head) {
  if (starts_with(head, "\xef\xbb\xbf")) head.remove_prefix(3);
  const std::size_t first = head.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return false;
  head.remove_prefix(first);
  return starts_with(head, "<?xpacket") || starts_with(head, "<x:xmpmeta") ||
         starts_with(head, "<x:xapmeta");
}

bool looks_like_bmp(std::string_view head) {
  if (!starts_with(head, "BM") || head.size() < 18) return false;
  // The DIB header size distinguishes a bitmap from any file that happens to start with "BM".
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(head[i]); };
  const std::uint32_t dib =
      byte(14) | (byte(15) << 8) | (byte(16) << 16) | (static_cast<std::uint32_t>(byte(17)) << 24);
  return dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 || dib == 124;
}

}  // namespace

std::string sniff_mime(std::string_view head) {
  using namespace std::string_view_literals;
  if (starts_with(head, "\xff\xd8\xff")) return "image/jpeg";
  if (starts_with(head, "\x89PNG\r\n\x1a\n")) return "image/png";
  if (starts_with(head, "GIF87a") || starts_with(head, "GIF89a")) return "image/gif";
  if (starts_with(head, "RIFF") && starts_with(head, "WEBP", 8)) return "image/webp";
  if (head.size() >= 12 && starts_with(head, "ftyp", 4)) return sniff_iso_bmff(head);
  if (starts_with(head, "\0\0\0\x0cjP  \r\n\x87\n"sv)) {
    // JPEG 2000 family: the ftyp box after the signature box names the flavour.
    if (starts_with(head, "jpx ", 20)) return "image/jpx";
    if (starts_with(head, "jpm ", 20)) return "image/jpm";
    return "image/jp2";
  }
  if (starts_with(head, "\xff\x4f\xff\x51")) return "image/x-j2c";
  if (starts_with(head, "\0\0\0\x0cJXL \r\n\x87\n"sv) || starts_with(head, "\xff\x0a")) {
    return "image/jxl";
  }
  if (starts_with(head, "II\x1a\0\0\0HEAPCCDR"sv, 0) || starts_with(head, "HEAPCCDR", 6)) {
    return "image/x-canon-crw";
  }
  if (std::string tiff = sniff_tiff_family(head); !tiff.empty()) return tiff;
  if (starts_with(head, "FUJIFILMCCD-RAW")) return "image/x-fujifilm-raf";
  if (starts_with(head, "FOVb")) return "image/x-sigma-x3f";
  if (starts_with(head, "FFF\0"sv)) return "image/x-flir-fff";
  if (starts_with(head, "\0MRM"sv)) return "image/x-minolta-mrw";
  if (starts_with(head, "8BPS")) return "application/vnd.adobe.photoshop";
  if (starts_with(head, "PGF")) return "image/pgf";
  if (starts_with(head,
                  "\xff\x01"
                  "Exiv2"))
    return "image/x-exv";
  if (starts_with(head, "%!PS") || starts_with(head, "\xc5\xd0\xd3\xc6")) {
    return "application/postscript";
  }
  if (looks_like_bmp(head)) return "image/bmp";
  if (looks_like_xmp(head)) return "application/rdf+xml";
  return {};
}

Result<std::string> sniff_mime_of_file(const std::filesystem::path& file) {
  std::ifstream stream(file, std::ios::binary);
  if (!stream) {
    return make_error(ErrorCategory::kLocalIo,
                      "cannot open " + file.string() + ": " + std::strerror(errno));
  }
  std::array<char, kMimeSniffBytes> buffer{};
  stream.read(buffer.data(), buffer.size());
  if (stream.bad()) {
    return make_error(ErrorCategory::kLocalIo, "cannot read " + file.string());
  }
  return sniff_mime(std::string_view(buffer.data(), static_cast<std::size_t>(stream.gcount())));
}

std::string mime_from_extension(const std::filesystem::path& file) {
  static const std::pair<std::string_view, std::string_view> kByExtension[] = {
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".png", "image/png"},
      {".tif", "image/tiff"},
      {".tiff", "image/tiff"},
      {".heic", "image/heic"},
      {".heif", "image/heif"},
      {".hif", "image/heif"},
      {".avif", "image/avif"},
      {".webp", "image/webp"},
      {".gif", "image/gif"},
      {".bmp", "image/bmp"},
      {".jxl", "image/jxl"},
      {".jp2", "image/jp2"},
      {".jxr", "image/jxr"},
      {".dng", "image/x-adobe-dng"},
      {".cr2", "image/x-canon-cr2"},
      {".cr3", "image/x-canon-cr3"},
      {".crw", "image/x-canon-crw"},
      {".nef", "image/x-nikon-nef"},
      {".arw", "image/x-sony-arw"},
      {".orf", "image/x-olympus-orf"},
      {".rw2", "image/x-panasonic-rw2"},
      {".raf", "image/x-fujifilm-raf"},
      {".x3f", "image/x-sigma-x3f"},
      {".fff", "image/x-flir-fff"},
  };
  std::string extension = file.extension().string();
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [known, mime] : kByExtension) {
    if (extension == known) return std::string(mime);
  }
  return "application/octet-stream";
}

}  // namespace imgsync::media
