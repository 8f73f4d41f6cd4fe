#include "util/gzip.h"

#include <zlib.h>

#include <cstdio>
#include <memory>

namespace imgsync {
namespace {

constexpr int kGzipWindow = 15 + 16;  // zlib's window bits plus 16: a gzip wrapper
constexpr std::size_t kChunk = 1 << 16;

Error corrupt(const std::string& why) {
  return make_error(ErrorCategory::kInvalidInput, "not a readable gzip stream: " + why);
}

// Inflates what `read` supplies (it returns false at the end of input) and hands out lines.
Status inflate_lines(const std::function<bool(std::string& chunk)>& read,
                     const LineVisitor& visit) {
  z_stream stream{};
  if (inflateInit2(&stream, kGzipWindow) != Z_OK) return corrupt("zlib did not start");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&stream, inflateEnd);
  std::string input, pending;
  std::string output(kChunk, '\0');
  bool input_done = false;
  auto refill = [&] {
    if (input_done || !read(input)) return !(input_done = true);
    stream.next_in = reinterpret_cast<Bytef*>(input.data());
    stream.avail_in = static_cast<uInt>(input.size());
    return true;
  };
  while (true) {
    if (stream.avail_in == 0) refill();
    stream.next_out = reinterpret_cast<Bytef*>(output.data());
    stream.avail_out = static_cast<uInt>(output.size());
    const int status = inflate(&stream, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) {
      return corrupt(stream.msg != nullptr ? stream.msg : "inflate failed");
    }
    const std::size_t produced = output.size() - stream.avail_out;
    pending.append(output.data(), produced);
    std::size_t start = 0;
    for (std::size_t end; (end = pending.find('\n', start)) != std::string::npos; start = end + 1) {
      if (Status ok = visit(std::string_view(pending).substr(start, end - start)); !ok.ok()) {
        return ok;
      }
    }
    pending.erase(0, start);
    if (status == Z_STREAM_END) {  // another gzip member may follow
      if (stream.avail_in == 0 && !refill()) break;
      inflateReset(&stream);
    } else if (input_done && stream.avail_in == 0 && produced == 0) {
      return corrupt("it ends before its end marker");
    }
  }
  if (!pending.empty()) return visit(pending);
  return {};
}

}  // namespace

std::string gzip_compress(std::string_view data) {
  z_stream stream{};
  deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindow, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, data.size()) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

Status for_each_gzip_line(std::string_view compressed, const LineVisitor& visit) {
  bool given = false;
  return inflate_lines(
      [&](std::string& chunk) {
        if (given) return false;
        given = true;
        chunk.assign(compressed);
        return !chunk.empty();
      },
      visit);
}

Status for_each_gzip_line(const std::filesystem::path& file, const LineVisitor& visit) {
  std::unique_ptr<FILE, int (*)(FILE*)> input(std::fopen(file.c_str(), "rb"), std::fclose);
  if (!input) {
    return make_error(ErrorCategory::kLocalIo, "cannot read " + file.string());
  }
  return inflate_lines(
      [&](std::string& chunk) {
        chunk.resize(kChunk);
        const std::size_t got = std::fread(chunk.data(), 1, chunk.size(), input.get());
        chunk.resize(got);
        return got > 0;
      },
      visit);
}

}  // namespace imgsync
