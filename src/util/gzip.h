// Gzip (RFC 1952) through zlib: whole buffers in, and lines out of a compressed buffer or file
// without inflating it whole, so a large catalog snapshot is read in constant memory.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace imgsync {

std::string gzip_compress(std::string_view data);

// Calls `visit` with each line (without its '\n'; a last line without one too) of the
// decompressed stream; stops at the first error `visit` returns. kInvalidInput when the data is
// not gzip or ends early.
using LineVisitor = std::function<Status(std::string_view line)>;
Status for_each_gzip_line(std::string_view compressed, const LineVisitor& visit);
Status for_each_gzip_line(const std::filesystem::path& file, const LineVisitor& visit);

}  // namespace imgsync
