// Photos for the tests of several machines sharing one archive: synthetic JPEGs, each with a
// capture time of its own, so each becomes a capture (and an Item) of its own.
#pragma once

#include <fmt/format.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../media/synthetic_images.h"
#include "support/test_paths.h"

namespace imgsync::testing {

// `count` JPEGs `<stem><n>.jpg` (n from `first`) in `folder`, captured in `month` of 2026 on day
// 1 + n % 28 at hour n % 24, minute (n * minute_step) % 60. Their stems, in order.
inline std::vector<std::string> write_dated_jpegs(const std::filesystem::path& folder,
                                                  const std::string& stem, int month, int first,
                                                  int count, int minute_step) {
  namespace synth = media::testing;
  std::vector<std::string> stems;
  for (int n = first; n < first + count; ++n) {
    synth::ExifSpec spec;
    spec.exif_ifd = {
        synth::ascii_entry(0x9003, fmt::format("2026:{:02}:{:02} {:02}:{:02}:00", month, 1 + n % 28,
                                               n % 24, (n * minute_step) % 60))};
    stems.push_back(stem + std::to_string(n));
    write_file(folder / (stems.back() + ".jpg"),
               synth::build_jpeg(synth::build_exif_tiff(spec), std::nullopt));
  }
  return stems;
}

}  // namespace imgsync::testing
