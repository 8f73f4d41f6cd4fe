// Digests and encodings used for integrity checks and request signing (OpenSSL EVP underneath).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/result.h"

namespace imgsync {

using Sha256Digest = std::array<std::uint8_t, 32>;
using Md5Digest = std::array<std::uint8_t, 16>;

// Incremental hashing; feed with update(), read once with finish().
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  Sha256Digest finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

class Md5 {
 public:
  Md5();
  ~Md5();
  Md5(Md5&&) noexcept;
  Md5& operator=(Md5&&) noexcept;
  void update(const void* data, std::size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  Md5Digest finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

Sha256Digest sha256(std::string_view data);
Md5Digest md5(std::string_view data);
Sha256Digest hmac_sha256(std::string_view key, std::string_view data);

std::string to_hex(const std::uint8_t* data, std::size_t size);
template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& digest) {
  return to_hex(digest.data(), N);
}
std::string base64_encode(const std::uint8_t* data, std::size_t size);
template <std::size_t N>
std::string base64_encode(const std::array<std::uint8_t, N>& digest) {
  return base64_encode(digest.data(), N);
}
std::string base64_encode(std::string_view data);
// Returns nullopt-like error on malformed input.
Result<std::string> base64_decode(std::string_view text);

std::string sha256_hex(std::string_view data);

// SHA-256 and MD5 of a byte range of a file in one pass (length -1: to the end). Without
// `with_md5` the MD5 is not computed (it costs twice the SHA-256 where the CPU has SHA
// instructions) and stays all zero: a file uploaded in parts needs only its parts' MD5s.
struct FileDigests {
  Sha256Digest sha256{};
  Md5Digest md5{};
  std::uint64_t bytes = 0;
  bool has_md5() const;
};
Result<FileDigests> digest_file(const std::string& path, std::uint64_t offset = 0,
                                std::int64_t length = -1, bool with_md5 = true);

}  // namespace imgsync
