#include "synthetic_images.h"

#include <algorithm>

namespace imgsync::media::testing {

namespace {

void put16(std::string& out, std::uint16_t value) {
  out.push_back(static_cast<char>(value & 0xff));
  out.push_back(static_cast<char>(value >> 8));
}

void put32(std::string& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8)
    out.push_back(static_cast<char>((value >> shift) & 0xff));
}

void put16_be(std::string& out, std::uint16_t value) {
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value & 0xff));
}

std::string segment(std::uint8_t marker, const std::string& payload) {
  std::string out{'\xff', static_cast<char>(marker)};
  put16_be(out, static_cast<std::uint16_t>(payload.size() + 2));
  return out + payload;
}

std::size_t ifd_size(const std::vector<TiffEntry>& entries) {
  return 2 + 12 * entries.size() + 4;
}

// Writes one IFD at the end of `out`; values longer than 4 bytes go to `data` at `data_offset`.
void write_ifd(std::string& out, std::vector<TiffEntry> entries, std::string& data,
               std::uint32_t data_base) {
  std::sort(entries.begin(), entries.end(),
            [](const TiffEntry& a, const TiffEntry& b) { return a.tag < b.tag; });
  put16(out, static_cast<std::uint16_t>(entries.size()));
  for (const TiffEntry& entry : entries) {
    put16(out, entry.tag);
    put16(out, entry.type);
    put32(out, entry.count);
    if (entry.data.size() <= 4) {
      std::string inline_value = entry.data;
      inline_value.resize(4, '\0');
      out += inline_value;
    } else {
      put32(out, data_base + static_cast<std::uint32_t>(data.size()));
      data += entry.data;
      if (data.size() % 2 != 0) data.push_back('\0');
    }
  }
  put32(out, 0);  // no next IFD
}

}  // namespace

TiffEntry ascii_entry(std::uint16_t tag, const std::string& text) {
  return {tag, 2, static_cast<std::uint32_t>(text.size() + 1), text + '\0'};
}

TiffEntry byte_entry(std::uint16_t tag, std::uint8_t value) {
  return {tag, 1, 1, std::string(1, static_cast<char>(value))};
}

TiffEntry short_entry(std::uint16_t tag, std::uint16_t value) {
  std::string data;
  put16(data, value);
  return {tag, 3, 1, data};
}

TiffEntry rational_entry(std::uint16_t tag,
                         const std::vector<std::pair<std::uint32_t, std::uint32_t>>& values) {
  std::string data;
  for (const auto& [numerator, denominator] : values) {
    put32(data, numerator);
    put32(data, denominator);
  }
  return {tag, 5, static_cast<std::uint32_t>(values.size()), data};
}

TiffEntry dms_entry(std::uint16_t tag, std::uint32_t degrees, std::uint32_t minutes,
                    std::uint32_t seconds_times_100) {
  return rational_entry(tag, {{degrees, 1}, {minutes, 1}, {seconds_times_100, 100}});
}

std::string build_exif_tiff(const ExifSpec& spec) {
  std::vector<TiffEntry> ifd0 = spec.ifd0;
  const bool has_exif = !spec.exif_ifd.empty();
  const bool has_gps = spec.gps_ifd.has_value();
  if (has_exif) ifd0.push_back({0x8769, 4, 1, std::string(4, '\0')});
  if (has_gps) ifd0.push_back({0x8825, 4, 1, std::string(4, '\0')});

  const std::uint32_t ifd0_offset = 8;
  const std::uint32_t exif_offset = ifd0_offset + static_cast<std::uint32_t>(ifd_size(ifd0));
  const std::uint32_t gps_offset =
      exif_offset + (has_exif ? static_cast<std::uint32_t>(ifd_size(spec.exif_ifd)) : 0);
  const std::uint32_t data_base =
      gps_offset + (has_gps ? static_cast<std::uint32_t>(ifd_size(*spec.gps_ifd)) : 0);
  for (TiffEntry& entry : ifd0) {
    entry.data.clear();
    if (entry.tag == 0x8769) put32(entry.data, exif_offset);
    if (entry.tag == 0x8825) put32(entry.data, gps_offset);
  }
  // Restore the caller's own entries (only the pointers were rewritten above).
  for (std::size_t i = 0; i < spec.ifd0.size(); ++i) ifd0[i].data = spec.ifd0[i].data;

  std::string out = "II";
  put16(out, 42);
  put32(out, ifd0_offset);
  std::string data;
  write_ifd(out, ifd0, data, data_base);
  if (has_exif) write_ifd(out, spec.exif_ifd, data, data_base);
  if (has_gps) write_ifd(out, *spec.gps_ifd, data, data_base);
  return out + data;
}

std::string xmp_packet(const std::string& attributes, const std::string& elements) {
  return "<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
         "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
         " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
         "  <rdf:Description rdf:about=\"\"\n"
         "    xmlns:exif=\"http://ns.adobe.com/exif/1.0/\"\n"
         "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n"
         "    xmlns:tiff=\"http://ns.adobe.com/tiff/1.0/\"\n"
         "    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
         "    xmlns:drone-dji=\"http://www.dji.com/drone-dji/1.0/\"\n"
         "    xmlns:photoshop=\"http://ns.adobe.com/photoshop/1.0/\"\n"
         "    " +
         attributes + ">\n" + elements +
         "  </rdf:Description>\n"
         " </rdf:RDF>\n"
         "</x:xmpmeta>\n"
         "<?xpacket end=\"w\"?>";
}

std::string build_jpeg(const std::optional<std::string>& exif_tiff,
                       const std::optional<std::string>& xmp, int width, int height) {
  std::string out{'\xff', '\xd8'};
  if (exif_tiff) out += segment(0xe1, std::string("Exif\0\0", 6) + *exif_tiff);
  if (xmp) out += segment(0xe1, std::string("http://ns.adobe.com/xap/1.0/\0", 29) + *xmp);
  std::string frame{8};
  put16_be(frame, static_cast<std::uint16_t>(height));
  put16_be(frame, static_cast<std::uint16_t>(width));
  frame += std::string{1, 1, 0x11, 0};
  out += segment(0xc0, frame);
  out += segment(0xda, std::string{1, 1, 0, 0, 63, 0});
  out += std::string{0x00, 0x00, '\xff', '\xd9'};
  return out;
}

}  // namespace imgsync::media::testing
