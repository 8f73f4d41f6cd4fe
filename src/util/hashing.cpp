#include "util/hashing.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace imgsync {
namespace {

EVP_MD_CTX* new_digest_context(const EVP_MD* algorithm) {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  if (context == nullptr || EVP_DigestInit_ex(context, algorithm, nullptr) != 1) {
    throw std::runtime_error("OpenSSL digest initialisation failed");
  }
  return context;
}

struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using DigestContext = std::unique_ptr<EVP_MD_CTX, DigestContextDeleter>;

}  // namespace

struct Sha256::State {
  DigestContext context{new_digest_context(EVP_sha256())};
};
Sha256::Sha256() : state_(std::make_unique<State>()) {}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;
void Sha256::update(const void* data, std::size_t size) {
  EVP_DigestUpdate(state_->context.get(), data, size);
}
Sha256Digest Sha256::finish() {
  Sha256Digest digest{};
  EVP_DigestFinal_ex(state_->context.get(), digest.data(), nullptr);
  return digest;
}

struct Md5::State {
  DigestContext context{new_digest_context(EVP_md5())};
};
Md5::Md5() : state_(std::make_unique<State>()) {}
Md5::~Md5() = default;
Md5::Md5(Md5&&) noexcept = default;
Md5& Md5::operator=(Md5&&) noexcept = default;
void Md5::update(const void* data, std::size_t size) {
  EVP_DigestUpdate(state_->context.get(), data, size);
}
Md5Digest Md5::finish() {
  Md5Digest digest{};
  EVP_DigestFinal_ex(state_->context.get(), digest.data(), nullptr);
  return digest;
}

Sha256Digest sha256(std::string_view data) {
  Sha256 hasher;
  hasher.update(data);
  return hasher.finish();
}

Md5Digest md5(std::string_view data) {
  Md5 hasher;
  hasher.update(data);
  return hasher.finish();
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view data) {
  Sha256Digest digest{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data(), &length);
  return digest;
}

std::string to_hex(const std::uint8_t* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text(size * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    text[2 * i] = kDigits[data[i] >> 4];
    text[2 * i + 1] = kDigits[data[i] & 0xF];
  }
  return text;
}

std::string base64_encode(const std::uint8_t* data, std::size_t size) {
  std::string text(4 * ((size + 2) / 3), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), data, size);
  text.resize(static_cast<std::size_t>(written));
  return text;
}

std::string base64_encode(std::string_view data) {
  return base64_encode(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
}

Result<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return make_error(ErrorCategory::kInvalidInput, "base64 text has a length not divisible by 4");
  }
  std::string bytes(3 * text.size() / 4, '\0');
  const int written =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), text.size());
  if (written < 0) return make_error(ErrorCategory::kInvalidInput, "malformed base64 text");
  std::size_t length = static_cast<std::size_t>(written);
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  if (!text.empty() && text.back() == '=') --length;
  if (text.size() > 1 && text[text.size() - 2] == '=') --length;
  bytes.resize(length);
  return bytes;
}

std::string sha256_hex(std::string_view data) {
  return to_hex(sha256(data));
}

bool FileDigests::has_md5() const {
  return std::any_of(md5.begin(), md5.end(), [](std::uint8_t byte) { return byte != 0; });
}

Result<FileDigests> digest_file(const std::string& path, std::uint64_t offset, std::int64_t length,
                                bool with_md5) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return make_error(ErrorCategory::kLocalIo,
                      fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  }
  Sha256 sha;
  Md5 md;
  FileDigests result;
  thread_local std::vector<char> buffer(1 << 20);  // allocated (and zeroed) once per thread
  std::uint64_t position = offset;
  std::uint64_t remaining = length < 0 ? UINT64_MAX : static_cast<std::uint64_t>(length);
  while (remaining > 0) {
    const std::size_t want = remaining < buffer.size() ? remaining : buffer.size();
    const ssize_t got = ::pread(fd, buffer.data(), want, static_cast<off_t>(position));
    if (got < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      return make_error(ErrorCategory::kLocalIo,
                        fmt::format("cannot read {}: {}", path, std::strerror(saved)));
    }
    if (got == 0) break;
    sha.update(buffer.data(), static_cast<std::size_t>(got));
    if (with_md5) md.update(buffer.data(), static_cast<std::size_t>(got));
    position += static_cast<std::uint64_t>(got);
    remaining -= static_cast<std::uint64_t>(got);
    result.bytes += static_cast<std::uint64_t>(got);
  }
  ::close(fd);
  if (length >= 0 && result.bytes != static_cast<std::uint64_t>(length)) {
    return make_error(ErrorCategory::kLocalIo,
                      fmt::format("{} is shorter than expected: read {} of {} bytes from offset {}",
                                  path, result.bytes, length, offset));
  }
  result.sha256 = sha.finish();
  if (with_md5) result.md5 = md.finish();
  return result;
}

}  // namespace imgsync
