// Thumbnail cost per setting, one process, one thread: CPU ms per thumbnail and bytes, for each
// image given. Chooses the WebP effort and size imgsync uses (docs/benchmarks.md: thumbnails).
//   ninja -C build thumbnail_bench && build/bench/thumbnail_bench [--runs N] IMAGE...
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "media/metadata_extractor.h"
#include "media/thumbnail.h"

namespace {

double cpu_ms() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

struct Setting {
  int long_edge;
  int effort;  // -1: JPEG
  int quality;
};

}  // namespace

int main(int argc, char** argv) {
  int runs = 20;
  std::vector<std::string> images;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else {
      images.emplace_back(argv[i]);
    }
  }
  if (images.empty()) {
    fmt::print(stderr, "usage: thumbnail_bench [--runs N] IMAGE...\n");
    return 2;
  }
  const std::vector<Setting> settings = {{512, 0, 80},  {512, 2, 80},  {512, 4, 80},
                                         {512, 0, 70},  {768, 0, 80},  {512, -1, 80},
                                         {512, -1, 85}, {768, -1, 82}, {1024, -1, 82}};
  fmt::print("{:<40} {:>5} {:>6} {:>3} {:>9} {:>8} {:>9}\n", "image", "edge", "effort", "Q",
             "cpu ms", "bytes", "w x h");
  for (const std::string& image : images) {
    auto metadata = imgsync::media::extract_metadata(image);
    const std::string mime = metadata.ok() ? metadata->mime : "image/jpeg";
    const int orientation = metadata.ok() ? metadata->orientation : 1;
    for (const Setting& setting : settings) {
      imgsync::media::ThumbnailOptions options{
          .long_edge = setting.long_edge,
          .quality = setting.quality,
          .effort = std::max(0, setting.effort),
          .format = setting.effort < 0 ? imgsync::media::ThumbnailFormat::kJpeg
                                       : imgsync::media::ThumbnailFormat::kWebp};
      (void)imgsync::media::make_thumbnail(image, mime, orientation, options);  // warm
      const double started = cpu_ms();
      std::size_t bytes = 0;
      int width = 0, height = 0;
      for (int run = 0; run < runs; ++run) {
        auto thumbnail = imgsync::media::make_thumbnail(image, mime, orientation, options);
        if (!thumbnail.ok()) {
          fmt::print(stderr, "{}: {}\n", image, thumbnail.error().message);
          return 1;
        }
        bytes = thumbnail->webp.size();
        width = thumbnail->width;
        height = thumbnail->height;
      }
      const std::string name = image.size() > 40 ? "..." + image.substr(image.size() - 37) : image;
      fmt::print("{:<40} {:>5} {:>6} {:>3} {:>9.2f} {:>8} {:>4}x{:<4}\n", name, setting.long_edge,
                 setting.effort < 0 ? std::string("jpeg") : std::to_string(setting.effort),
                 setting.quality, (cpu_ms() - started) / runs, bytes, width, height);
    }
  }
  return 0;
}
