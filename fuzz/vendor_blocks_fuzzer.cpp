// libFuzzer target for the readers of our own where Exiv2 0.27 fails (issue 14): CR3's CMT boxes,
// X3F sections, FLIR FFF records, JPEG APP segments (FLIR chunks, PictureInfo, CIFF), CIFF heaps,
// undecoded maker notes and the IPTC records' zone check; then the whole extractor, whose salvage
// path decodes EXIF/XMP/IPTC blocks found by signature; and a JPEG's MPF preview index (the
// thumbnail's, media/jpeg_preview.h). Seeds: fuzz/seeds/vendor_blocks (built by
// tests/media/synthetic_vendor_files.cpp's shapes; mpf-preview.jpg as jpeg_preview_test.cpp's).
// Same rules as metadata_extractor_fuzzer.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include <exiv2/iptc.hpp>

#include "media/exiv2_runtime.h"
#include "media/iptc_reader.h"
#include "media/jpeg_preview.h"
#include "media/maker_note_times.h"
#include "media/metadata_extractor.h"
#include "media/raw_block_readers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace imgsync::media;
  initialize_exiv2();
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The readers call Exiv2's TIFF and JPEG parsers, which throw on damaged input; the extractor
  // catches per block, so do the same here: only crashes, leaks and hangs are findings.
  auto guarded = [](auto&& read) {
    try {
      (void)read();
    } catch (const std::exception&) {
    }
  };
  guarded([&] { return read_cr3_layer(bytes); });
  guarded([&] { return read_x3f_layer(bytes); });
  guarded([&] { return read_flir_fff_layer(bytes); });
  guarded([&] { return read_jpeg_vendor_segments(bytes); });
  guarded([&] { return read_ciff_layer(bytes); });
  (void)read_undecoded_maker_note_time(bytes);
  (void)read_picture_info_time(bytes);
  if (const auto resources = find_photoshop_resources(bytes)) {
    (void)iptc_records_in_photoshop(*resources);
  }
  guarded([&] { return read_iptc_layer(Exiv2::IptcData(), bytes); });
  (void)extract_embedded_metadata(bytes);
  if (size > 0) {
    if (std::FILE* file = fmemopen(const_cast<std::uint8_t*>(data), size, "rb")) {
      (void)read_jpeg_layout(file);
      std::fclose(file);
    }
  }
  return 0;
}
