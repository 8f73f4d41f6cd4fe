// Bounds-checked reads of fixed-size integers and floats from untrusted bytes, in either byte
// order. Every read outside the bytes is nullopt, never a crash: the vendor-block readers (CR3,
// X3F, FLIR, maker notes) are built on it.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace imgsync::media {

class ByteReader {
 public:
  ByteReader(std::string_view bytes, bool big_endian) : bytes_(bytes), big_endian_(big_endian) {}

  std::size_t size() const { return bytes_.size(); }
  std::string_view bytes() const { return bytes_; }
  void set_big_endian(bool big_endian) { big_endian_ = big_endian; }

  std::optional<std::uint16_t> u16(std::size_t at) const {
    const auto value = unsigned_at(at, 2);
    if (!value) return std::nullopt;
    return static_cast<std::uint16_t>(*value);
  }
  std::optional<std::uint32_t> u32(std::size_t at) const {
    const auto value = unsigned_at(at, 4);
    if (!value) return std::nullopt;
    return static_cast<std::uint32_t>(*value);
  }
  std::optional<std::uint64_t> u64(std::size_t at) const { return unsigned_at(at, 8); }
  std::optional<double> f64(std::size_t at) const {
    const auto bits = u64(at);
    if (!bits) return std::nullopt;
    double value = 0;
    std::memcpy(&value, &*bits, sizeof value);
    return value;
  }
  std::optional<float> f32(std::size_t at) const {
    const auto bits = u32(at);
    if (!bits) return std::nullopt;
    float value = 0;
    std::memcpy(&value, &*bits, sizeof value);
    return value;
  }
  // `length` bytes at `at`, or nullopt when they run past the end.
  std::optional<std::string_view> slice(std::size_t at, std::size_t length) const {
    if (at > bytes_.size() || length > bytes_.size() - at) return std::nullopt;
    return bytes_.substr(at, length);
  }

 private:
  std::optional<std::uint64_t> unsigned_at(std::size_t at, std::size_t width) const {
    if (at > bytes_.size() || width > bytes_.size() - at) return std::nullopt;
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i) {
      const auto byte = static_cast<unsigned char>(bytes_[at + (big_endian_ ? i : width - 1 - i)]);
      value = (value << 8) | byte;
    }
    return value;
  }

  std::string_view bytes_;
  bool big_endian_;
};

}  // namespace imgsync::media
