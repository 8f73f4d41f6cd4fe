#include "media/jpeg_thumbnail.h"

// clang-format off: jpeglib.h needs the declarations of <cstdio> first
#include <jpeglib.h>
#include <cstdio>
// clang-format on

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "media/jpeg_preview.h"

namespace imgsync::media {
namespace {

constexpr std::uint64_t kMaxPixels = 256ull << 20;

// libjpeg reports a fatal error through error_exit, which must not return: it jumps back to the
// call that set up the object. Warnings (corrupt data, a truncated file) are let through, as
// libvips' thumbnail does: such a file still gets the picture libjpeg recovered.
struct ErrorManager {
  jpeg_error_mgr base;
  std::jmp_buf jump;
};

[[noreturn]] void on_fatal(j_common_ptr info) {
  std::longjmp(reinterpret_cast<ErrorManager*>(info->err)->jump, 1);
}

void on_message(j_common_ptr, int) {}

void use(ErrorManager& errors, j_common_ptr info) {
  info->err = jpeg_std_error(&errors.base);
  errors.base.error_exit = on_fatal;
  errors.base.emit_message = on_message;
}

// Buffers kept by each thread between thumbnails. A fresh buffer of a megabyte or more is an
// mmap, a page fault per 4 KiB page on first touch and a munmap: under perf, the faults and the
// zeroing of new pages cost more than decoding a 640x480 JPEG.
constexpr std::size_t kKeptBuffers = 4;
constexpr std::size_t kLargestKept = std::size_t{16} << 20;

std::vector<std::vector<std::uint8_t>>& kept_buffers() {
  thread_local std::vector<std::vector<std::uint8_t>> kept;
  return kept;
}

std::vector<std::uint8_t> take_buffer(std::size_t size) {
  auto& kept = kept_buffers();
  std::vector<std::uint8_t> buffer;
  if (!kept.empty()) {
    buffer = std::move(kept.back());
    kept.pop_back();
  }
  buffer.resize(size);
  return buffer;
}

void give_back(std::vector<std::uint8_t> buffer) {
  auto& kept = kept_buffers();
  if (kept.size() < kKeptBuffers && buffer.capacity() <= kLargestKept) {
    kept.push_back(std::move(buffer));
  }
}

struct Pixels {
  std::vector<std::uint8_t> data;  // rows of width * channels bytes
  int width = 0;
  int height = 0;
  int channels = 0;  // 1 (grey) or 3 (RGB)
};

struct Decoded {
  Pixels pixels;
  int full_width = 0;  // of the whole image, before the DCT scaling
  int full_height = 0;
  int orientation = 1;  // EXIF, 1..8
  bool has_profile = false;
};

void read_markers(const jpeg_decompress_struct& info, Decoded& out) {
  constexpr std::string_view kIcc("ICC_PROFILE\0", 12);
  for (jpeg_saved_marker_ptr marker = info.marker_list; marker != nullptr; marker = marker->next) {
    if (marker->marker == JPEG_APP0 + 2 && marker->data_length >= kIcc.size() &&
        std::memcmp(marker->data, kIcc.data(), kIcc.size()) == 0) {
      out.has_profile = true;
    } else if (marker->marker == JPEG_APP0 + 1 && out.orientation == 1) {
      out.orientation = exif_orientation(marker->data, marker->data_length);
    }
  }
}

// The size libvips' thumbnail gives an image of width x height in a long_edge box, never enlarged.
void target_size(int width, int height, int long_edge, int& target_width, int& target_height) {
  const double scale =
      std::min({1.0, double(long_edge) / double(width), double(long_edge) / double(height)});
  target_width = std::max(1, int(std::lround(width * scale)));
  target_height = std::max(1, int(std::lround(height * scale)));
}

// Decodes `in`, scaled in the DCT by the smallest M/8 that keeps both sides at least the target.
// False when libjpeg stopped, or the image is not one this path reproduces.
bool decode(std::FILE* in, int long_edge, Decoded& out) {
  jpeg_decompress_struct info;
  ErrorManager errors;
  use(errors, reinterpret_cast<j_common_ptr>(&info));
  if (setjmp(errors.jump) != 0) {
    jpeg_destroy_decompress(&info);
    return false;
  }
  jpeg_create_decompress(&info);
  jpeg_stdio_src(&info, in);
  jpeg_save_markers(&info, JPEG_APP0 + 1, 0xffff);
  jpeg_save_markers(&info, JPEG_APP0 + 2, 0xffff);
  jpeg_read_header(&info, TRUE);
  read_markers(info, out);
  const bool usable = !out.has_profile && info.data_precision == 8 &&
                      ((info.num_components == 1 && info.jpeg_color_space == JCS_GRAYSCALE) ||
                       (info.num_components == 3 && (info.jpeg_color_space == JCS_YCbCr ||
                                                     info.jpeg_color_space == JCS_RGB))) &&
                      std::uint64_t{info.image_width} * info.image_height <= kMaxPixels;
  if (!usable) {
    jpeg_destroy_decompress(&info);
    return false;
  }
  out.full_width = static_cast<int>(info.image_width);
  out.full_height = static_cast<int>(info.image_height);
  int target_width = 0, target_height = 0;
  target_size(out.full_width, out.full_height, long_edge, target_width, target_height);
  info.out_color_space = info.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  // The picture is reduced right after: chroma upsampled by replication (libjpeg-turbo's
  // merged SIMD upsampling and colour conversion) and the fast integer IDCT cost a third less
  // than the smooth upsampling and the exact IDCT, a difference the reduction averages away.
  info.do_fancy_upsampling = FALSE;
  info.dct_method = JDCT_IFAST;
  info.scale_denom = 8;
  for (unsigned scale : {1u, 2u, 4u, 8u}) {  // the scales with SIMD IDCTs in libjpeg-turbo
    info.scale_num = scale;
    jpeg_calc_output_dimensions(&info);
    if (int(info.output_width) >= target_width && int(info.output_height) >= target_height) break;
  }
  jpeg_start_decompress(&info);
  Pixels& pixels = out.pixels;
  pixels.width = static_cast<int>(info.output_width);
  pixels.height = static_cast<int>(info.output_height);
  pixels.channels = info.output_components;
  const std::size_t stride = std::size_t(pixels.width) * pixels.channels;
  pixels.data = take_buffer(stride * pixels.height);
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = pixels.data.data() + stride * info.output_scanline;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return true;
}

// Each destination pixel of one axis: the source pixels it covers and how much of each, in
// fixed point (the weights of one pixel add up to kOne). Every pixel has `taps` weights (the
// most any pixel needs; the rest are zero), so the loops below have no data-dependent length.
constexpr int kShift = 14;
constexpr std::int32_t kOne = 1 << kShift;

struct Taps {
  int taps = 0;
  std::vector<int> first;             // per destination pixel: its first source pixel
  std::vector<std::int32_t> weights;  // `taps` per destination pixel
};

Taps area_taps(int source, int target) {
  Taps result;
  const double ratio = double(source) / double(target);
  result.taps = std::min(source, static_cast<int>(std::ceil(ratio)) + 1);
  result.weights.assign(std::size_t(target) * result.taps, 0);
  for (int i = 0; i < target; ++i) {
    const double begin = i * ratio, end = (i + 1) * ratio;
    // The window starts early enough to stay inside the image.
    const int first = std::min(static_cast<int>(begin), source - result.taps);
    result.first.push_back(first);
    std::int32_t* weight = result.weights.data() + std::size_t(i) * result.taps;
    std::int32_t given = 0;
    int heaviest = 0;
    for (int k = 0; k < result.taps; ++k) {
      const int s = first + k;
      const double covered = std::min(end, double(s + 1)) - std::max(begin, double(s));
      if (covered <= 0) continue;
      weight[k] = static_cast<std::int32_t>(std::lround(covered / ratio * kOne));
      given += weight[k];
      if (weight[k] > weight[heaviest]) heaviest = k;
    }
    weight[heaviest] += kOne - given;  // rounding: the weights sum to exactly one
  }
  return result;
}

std::uint8_t to_byte(std::int32_t fixed) {
  return static_cast<std::uint8_t>(std::clamp((fixed + kOne / 2) >> kShift, 0, 255));
}

template <int kChannels, int kTaps>
void reduce_rows(const Pixels& in, const Taps& across, Pixels& out) {
  for (int y = 0; y < in.height; ++y) {
    const std::uint8_t* row = in.data.data() + std::size_t(y) * in.width * kChannels;
    std::uint8_t* to = out.data.data() + std::size_t(y) * out.width * kChannels;
    const std::int32_t* weight = across.weights.data();
    for (int x = 0; x < out.width; ++x, weight += kTaps, to += kChannels) {
      const std::uint8_t* from = row + std::size_t(across.first[std::size_t(x)]) * kChannels;
      std::int32_t sums[kChannels] = {};
      for (int k = 0; k < kTaps; ++k) {
        for (int c = 0; c < kChannels; ++c) sums[c] += weight[k] * from[k * kChannels + c];
      }
      for (int c = 0; c < kChannels; ++c) to[c] = to_byte(sums[c]);
    }
  }
}

template <int kChannels>
void reduce_rows(const Pixels& in, const Taps& across, Pixels& out) {
  switch (across.taps) {
    case 1:
      return reduce_rows<kChannels, 1>(in, across, out);
    case 2:
      return reduce_rows<kChannels, 2>(in, across, out);
    case 3:
      return reduce_rows<kChannels, 3>(in, across, out);
    case 4:
      return reduce_rows<kChannels, 4>(in, across, out);
    default:
      break;
  }
  for (int y = 0; y < in.height; ++y) {  // ratios above 3 (not reached after the DCT scaling)
    const std::uint8_t* row = in.data.data() + std::size_t(y) * in.width * kChannels;
    std::uint8_t* to = out.data.data() + std::size_t(y) * out.width * kChannels;
    for (int x = 0; x < out.width; ++x, to += kChannels) {
      const std::int32_t* weight = across.weights.data() + std::size_t(x) * across.taps;
      const std::uint8_t* from = row + std::size_t(across.first[std::size_t(x)]) * kChannels;
      std::int32_t sums[kChannels] = {};
      for (int k = 0; k < across.taps; ++k) {
        for (int c = 0; c < kChannels; ++c) sums[c] += weight[k] * from[k * kChannels + c];
      }
      for (int c = 0; c < kChannels; ++c) to[c] = to_byte(sums[c]);
    }
  }
}

// Area-averaging (box) reduction to width x height: exact for any ratio, no aliasing.
Pixels reduce(Pixels in, int width, int height) {
  if (in.width == width && in.height == height) return in;
  const int channels = in.channels;
  Pixels wide{take_buffer(std::size_t(width) * in.height * channels), width, in.height, channels};
  const Taps across = area_taps(in.width, width);
  if (channels == 3) {
    reduce_rows<3>(in, across, wide);
  } else {
    reduce_rows<1>(in, across, wide);
  }
  give_back(std::move(in.data));
  const Taps down = area_taps(in.height, height);
  Pixels out{take_buffer(std::size_t(width) * height * channels), width, height, channels};
  const std::size_t stride = std::size_t(width) * channels;
  std::vector<std::int32_t> sums(stride);
  for (int y = 0; y < height; ++y) {
    std::fill(sums.begin(), sums.end(), 0);
    const std::int32_t* weight = down.weights.data() + std::size_t(y) * down.taps;
    for (int k = 0; k < down.taps; ++k) {
      const std::int32_t w = weight[k];
      if (w == 0) continue;
      const std::uint8_t* row = wide.data.data() + stride * (down.first[std::size_t(y)] + k);
      for (std::size_t i = 0; i < stride; ++i) sums[i] += w * row[i];
    }
    std::uint8_t* to = out.data.data() + stride * y;
    for (std::size_t i = 0; i < stride; ++i) to[i] = to_byte(sums[i]);
  }
  give_back(std::move(wide.data));
  return out;
}

// The image as EXIF orientation `orientation` says it is to be shown.
Pixels upright(Pixels in, int orientation) {
  if (orientation <= 1 || orientation > 8) return in;
  const bool swap = orientation >= 5;
  const int w = in.width, h = in.height, channels = in.channels;
  Pixels out{take_buffer(in.data.size()), swap ? h : w, swap ? w : h, channels};
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      int sx = x, sy = y;
      switch (orientation) {
        case 2:
          sx = w - 1 - x;
          break;
        case 3:
          sx = w - 1 - x;
          sy = h - 1 - y;
          break;
        case 4:
          sy = h - 1 - y;
          break;
        case 5:
          sx = y;
          sy = x;
          break;
        case 6:
          sx = y;
          sy = h - 1 - x;
          break;
        case 7:
          sx = w - 1 - y;
          sy = h - 1 - x;
          break;
        case 8:
          sx = w - 1 - y;
          sy = x;
          break;
        default:
          break;
      }
      std::memcpy(&out.data[(std::size_t(y) * out.width + x) * channels],
                  &in.data[(std::size_t(sy) * w + sx) * channels], channels);
    }
  }
  give_back(std::move(in.data));
  return out;
}

// A plain JFIF: no EXIF, XMP, IPTC or ICC block is written. False when libjpeg stopped.
bool encode(const Pixels& pixels, int quality, std::string& out) {
  jpeg_compress_struct info;
  ErrorManager errors;
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  use(errors, reinterpret_cast<j_common_ptr>(&info));
  if (setjmp(errors.jump) != 0) {
    jpeg_destroy_compress(&info);
    std::free(buffer);
    return false;
  }
  jpeg_create_compress(&info);
  jpeg_mem_dest(&info, &buffer, &size);
  info.image_width = static_cast<JDIMENSION>(pixels.width);
  info.image_height = static_cast<JDIMENSION>(pixels.height);
  info.input_components = pixels.channels;
  info.in_color_space = pixels.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&info);  // 4:2:0 chroma, as libvips' jpegsave below quality 90
  jpeg_set_quality(&info, quality, TRUE);
  info.optimize_coding = FALSE;
  info.dct_method = JDCT_IFAST;
  jpeg_start_compress(&info, TRUE);
  const std::size_t stride = std::size_t(pixels.width) * pixels.channels;
  while (info.next_scanline < info.image_height) {
    auto row = const_cast<JSAMPROW>(pixels.data.data() + stride * info.next_scanline);
    jpeg_write_scanlines(&info, &row, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  out.assign(reinterpret_cast<const char*>(buffer), size);
  std::free(buffer);
  return true;
}

// A large primary image's MPF preview (jpeg_preview.h), decoded in its place when one is big
// enough for the thumbnail and shows the same frame (its aspect within 1%): `out` then has the
// primary's size and orientation and the preview's pixels. Only for primaries at least four times
// the thumbnail's size, where the preview saves most of the decoding.
bool decode_preview(std::FILE* in, int long_edge, Decoded& out) {
  auto layout = read_jpeg_layout(in);
  if (!layout || layout->has_profile || layout->previews.empty()) return false;
  const int width = layout->width, height = layout->height;
  if (width <= 0 || height <= 0 || std::max(width, height) < 4 * long_edge) return false;
  int target_width = 0, target_height = 0;
  target_size(width, height, long_edge, target_width, target_height);
  for (const auto& preview : layout->previews) {
    if (std::fseek(in, static_cast<long>(preview.offset), SEEK_SET) != 0) continue;
    Decoded candidate;
    if (!decode(in, long_edge, candidate)) continue;
    const std::int64_t across = std::int64_t{candidate.full_width} * height;
    const std::int64_t down = std::int64_t{candidate.full_height} * width;
    if (std::abs(across - down) * 100 > across || candidate.pixels.width < target_width ||
        candidate.pixels.height < target_height) {
      give_back(std::move(candidate.pixels.data));
      continue;
    }
    out.pixels = std::move(candidate.pixels);
    out.full_width = width;
    out.full_height = height;
    out.orientation = layout->orientation;
    return true;
  }
  return false;
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

std::optional<Thumbnail> jpeg_fast_thumbnail(const std::filesystem::path& file,
                                             const ThumbnailOptions& options) {
  if (options.format != ThumbnailFormat::kJpeg) return std::nullopt;
  std::unique_ptr<std::FILE, FileCloser> in(std::fopen(file.c_str(), "rb"));
  if (!in) return std::nullopt;
  Decoded decoded;
  if (!decode_preview(in.get(), options.long_edge, decoded)) {
    decoded = Decoded{};
    if (std::fseek(in.get(), 0, SEEK_SET) != 0) return std::nullopt;
    if (!decode(in.get(), options.long_edge, decoded)) return std::nullopt;
  }
  int width = 0, height = 0;
  target_size(decoded.full_width, decoded.full_height, options.long_edge, width, height);
  Pixels shown = upright(reduce(std::move(decoded.pixels), width, height), decoded.orientation);
  Thumbnail thumbnail;
  const bool encoded = encode(shown, options.quality, thumbnail.bytes);
  give_back(std::move(shown.data));
  if (!encoded) return std::nullopt;
  thumbnail.width = shown.width;
  thumbnail.height = shown.height;
  return thumbnail;
}

}  // namespace imgsync::media
