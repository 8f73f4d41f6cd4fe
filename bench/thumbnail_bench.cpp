// Thumbnail cost per setting, one process, one thread: CPU ms per thumbnail and bytes, for each
// image given. Chooses the WebP effort and size imgsync uses (docs/benchmarks.md: thumbnails).
//   ninja -C build thumbnail_bench && build/bench/thumbnail_bench [--runs N] [--default] IMAGE...
//   build/bench/thumbnail_bench --make-jpeg /tmp/24mp.jpg 6000 4000   (a 24 MP test JPEG)
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include <vips/vips.h>

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
  bool fast = true;  // JPEG sources to JPEG through libjpeg alone (false: libvips)
};

// A camera-sized JPEG (gradient plus sensor-like noise, quality 92) when the corpus has none:
// --make-jpeg PATH WIDTH HEIGHT.
int make_jpeg(const char* path, int width, int height) {
  if (vips_init("thumbnail_bench") != 0) return 1;
  VipsImage *xyz = nullptr, *gradient = nullptr, *noise = nullptr, *sum = nullptr, *rgb = nullptr,
            *bytes = nullptr;
  const double scale[] = {255.0 / width, 255.0 / height};
  const double offset[] = {0, 0};
  int failed =
      vips_xyz(&xyz, width, height, nullptr) ||
      vips_linear(xyz, &gradient, scale, offset, 2, nullptr) ||
      vips_gaussnoise(&noise, width, height, "sigma", 12.0, "mean", 0.0, nullptr) ||
      vips_add(gradient, noise, &sum, nullptr) || vips_bandjoin_const1(sum, &rgb, 96.0, nullptr) ||
      vips_cast_uchar(rgb, &bytes, nullptr) || vips_jpegsave(bytes, path, "Q", 92, nullptr);
  for (VipsImage* image : {xyz, gradient, noise, sum, rgb, bytes}) {
    if (image != nullptr) g_object_unref(image);
  }
  if (failed) fmt::print(stderr, "cannot make {}: {}\n", path, vips_error_buffer());
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::strcmp(argv[1], "--make-jpeg") == 0) {
    return make_jpeg(argv[2], std::atoi(argv[3]), std::atoi(argv[4]));
  }
  int runs = 20;
  bool default_only = false;  // --default: only the setting imgsync uses (for profiling)
  std::vector<std::string> images;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--default") == 0) {
      default_only = true;
    } else if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else {
      images.emplace_back(argv[i]);
    }
  }
  if (images.empty()) {
    fmt::print(stderr, "usage: thumbnail_bench [--runs N] IMAGE...\n");
    return 2;
  }
  std::vector<Setting> settings = {{512, 0, 80},  {512, 2, 80},  {512, 4, 80},
                                   {512, 0, 70},  {768, 0, 80},  {512, -1, 80},
                                   {512, -1, 85}, {768, -1, 82}, {1024, -1, 82}};
  settings.push_back({512, -1, 80, false});
  if (default_only) {
    const int edge = imgsync::media::ThumbnailOptions{}.long_edge;
    settings = {{edge, -1, 80, true}, {edge, -1, 80, false}};
  }
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
                                       : imgsync::media::ThumbnailFormat::kWebp,
          .jpeg_fast_path = setting.fast};
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
        bytes = thumbnail->bytes.size();
        width = thumbnail->width;
        height = thumbnail->height;
      }
      const std::string name = image.size() > 40 ? "..." + image.substr(image.size() - 37) : image;
      fmt::print("{:<40} {:>5} {:>6} {:>3} {:>9.2f} {:>8} {:>4}x{:<4}\n", name, setting.long_edge,
                 setting.effort >= 0 ? std::to_string(setting.effort)
                 : setting.fast      ? std::string("jpeg")
                                     : std::string("vips"),
                 setting.quality, (cpu_ms() - started) / runs, bytes, width, height);
    }
  }
  return 0;
}
