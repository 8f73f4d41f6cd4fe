#include "synthetic_vendor_files.h"

#include <cstring>

namespace imgsync::media::testing {

namespace {

void put(std::string& out, std::uint64_t value, int bytes, bool big_endian) {
  for (int i = 0; i < bytes; ++i) {
    const int shift = 8 * (big_endian ? bytes - 1 - i : i);
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

void put_at(std::string& out, std::size_t at, std::uint64_t value, int bytes, bool big_endian) {
  std::string encoded;
  put(encoded, value, bytes, big_endian);
  out.replace(at, encoded.size(), encoded);
}

std::string box(const std::string& type, const std::string& body) {
  std::string out;
  put(out, body.size() + 8, 4, true);
  return out + type + body;
}

std::string utf16(const std::string& text) {
  std::string out;
  for (char c : text) out += std::string{c, '\0'};
  return out + std::string(2, '\0');
}

}  // namespace

std::string with_segments(const std::string& jpeg,
                          const std::vector<std::pair<std::uint8_t, std::string>>& segments) {
  std::string inserted;
  for (const auto& [marker, payload] : segments) {
    inserted += std::string{'\xff', static_cast<char>(marker)};
    put(inserted, payload.size() + 2, 2, true);
    inserted += payload;
  }
  return jpeg.substr(0, 2) + inserted + jpeg.substr(2);
}

std::string iptc_app13_payload(const std::string& date, const std::string& time) {
  std::string records;
  auto record = [&](std::uint8_t dataset, const std::string& value) {
    records += std::string{0x1c, 0x02, static_cast<char>(dataset)};
    put(records, value.size(), 2, true);
    records += value;
  };
  record(0x37, date);
  if (!time.empty()) record(0x3c, time);
  std::string resource = "8BIM";
  put(resource, 0x0404, 2, true);
  resource += std::string(2, '\0');  // empty Pascal name, padded to even
  put(resource, records.size(), 4, true);
  resource += records;
  if (records.size() % 2 != 0) resource.push_back('\0');
  return std::string("Photoshop 3.0\0", 14) + resource;
}

std::string build_flir_fff(const FlirSpec& spec) {
  const bool be = spec.big_endian;
  std::string camera(0x400, '\0');
  put_at(camera, 0, 2, 2, be);  // CameraInfoByteOrder: 2 read in the right order
  put_at(camera, 0x384, spec.utc_seconds, 4, be);
  put_at(camera, 0x388, spec.milliseconds, 4, be);
  put_at(camera, 0x38c, static_cast<std::uint16_t>(spec.minutes_west), 2, be);
  std::string gps(0x60, '\0');
  if (spec.position) {
    put_at(gps, 0, 1, 4, false);
    std::uint64_t bits = 0;
    std::memcpy(&bits, &spec.position->first, 8);
    put_at(gps, 0x10, bits, 8, false);
    std::memcpy(&bits, &spec.position->second, 8);
    put_at(gps, 0x18, bits, 8, false);
    const float altitude = static_cast<float>(spec.altitude);
    std::uint32_t altitude_bits = 0;
    std::memcpy(&altitude_bits, &altitude, 4);
    put_at(gps, 0x20, altitude_bits, 4, false);
  }
  const std::uint32_t directory = 0x40, camera_at = directory + 2 * 0x20;
  const std::uint32_t gps_at = camera_at + static_cast<std::uint32_t>(camera.size());
  std::string out = std::string("FFF\0", 4) + std::string(16, '\0');
  put(out, 100, 4, be);        // version
  put(out, directory, 4, be);  // directory offset
  put(out, 2, 4, be);          // entries
  out.resize(0x40, '\0');
  auto entry = [&](std::uint16_t type, std::uint32_t at, std::uint32_t length) {
    std::string e;
    put(e, type, 2, be);
    put(e, 1, 2, be);
    put(e, 100, 4, be);
    put(e, 1, 4, be);
    put(e, at, 4, be);
    put(e, length, 4, be);
    e.resize(0x20, '\0');
    out += e;
  };
  entry(0x20, camera_at, static_cast<std::uint32_t>(camera.size()));
  entry(0x2b, gps_at, static_cast<std::uint32_t>(gps.size()));
  return out + camera + gps;
}

std::vector<std::string> flir_app1_payloads(const std::string& fff, std::size_t chunk) {
  std::vector<std::string> payloads;
  const std::size_t total = (fff.size() + chunk - 1) / chunk;
  for (std::size_t i = 0; i < total; ++i) {
    std::string payload("FLIR\0\x01", 6);
    payload += static_cast<char>(i);
    payload += static_cast<char>(total - 1);
    payloads.push_back(payload + fff.substr(i * chunk, chunk));
  }
  return payloads;
}

std::string build_x3f(const std::string& jpeg_preview, const std::string& time,
                      const std::string& make, const std::string& model) {
  std::string out = "FOVb";
  out.resize(0x100, '\0');
  struct Section {
    std::uint32_t offset, length;
    std::string type;
  };
  std::vector<Section> sections;
  if (!jpeg_preview.empty()) {
    std::string header = "SECi";
    put(header, 0x00020000, 4, false);
    put(header, 2, 4, false);
    put(header, 18, 4, false);  // format: JPEG
    header.resize(28, '\0');
    sections.push_back({static_cast<std::uint32_t>(out.size()),
                        static_cast<std::uint32_t>(header.size() + jpeg_preview.size()), "IMA2"});
    out += header + jpeg_preview;
  }
  if (!time.empty()) {
    std::string characters;
    std::vector<std::uint32_t> positions;
    for (const std::string& text : {std::string("TIME"), time, std::string("CAMMANUF"), make,
                                    std::string("CAMMODEL"), model}) {
      positions.push_back(static_cast<std::uint32_t>(characters.size() / 2));
      characters += utf16(text);
    }
    std::string prop = "SECp";
    put(prop, 0, 4, false);
    put(prop, positions.size() / 2, 4, false);
    put(prop, 0, 4, false);  // character format: UTF-16LE
    put(prop, 0, 4, false);
    put(prop, characters.size() / 2, 4, false);
    for (std::uint32_t position : positions) put(prop, position, 4, false);
    prop += characters;
    sections.push_back(
        {static_cast<std::uint32_t>(out.size()), static_cast<std::uint32_t>(prop.size()), "PROP"});
    out += prop;
  }
  const auto directory = static_cast<std::uint32_t>(out.size());
  out += "SECd";
  put(out, 0x00020000, 4, false);
  put(out, sections.size(), 4, false);
  for (const Section& section : sections) {
    put(out, section.offset, 4, false);
    put(out, section.length, 4, false);
    out += section.type;
  }
  put(out, directory, 4, false);
  return out;
}

std::string build_cr3(const std::string& cmt1, const std::string& cmt2, const std::string& cmt4,
                      std::uint32_t mvhd_seconds) {
  const std::string canon_uuid("\x85\xc0\xb6\x87\x82\x0f\x11\xe0\x81\x11\xf4\xce\x46\x2b\x6a\x48",
                               16);
  std::string uuid_body = canon_uuid + box("CNCV", "CanonCR3_001/00.09.00/00.00.00");
  if (!cmt1.empty()) uuid_body += box("CMT1", cmt1);
  if (!cmt2.empty()) uuid_body += box("CMT2", cmt2);
  if (!cmt4.empty()) uuid_body += box("CMT4", cmt4);
  std::string mvhd(4, '\0');  // version 0, no flags
  put(mvhd, mvhd_seconds, 4, true);
  put(mvhd, mvhd_seconds, 4, true);
  mvhd.resize(100, '\0');
  std::string ftyp = "crx ";
  put(ftyp, 1, 4, true);
  ftyp += "crx isom";
  return box("ftyp", ftyp) + box("moov", box("uuid", uuid_body) + box("mvhd", mvhd)) +
         box("mdat", std::string(64, '\0'));
}

}  // namespace imgsync::media::testing
