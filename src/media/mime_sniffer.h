// The MIME type of a file from its content (magic bytes), never from its name: a .jpg that is
// really a HEIC is reported as image/heic. Types follow exiftool's names where one exists.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "util/result.h"

namespace imgsync::media {

// How many leading bytes sniff_mime looks at (an ISO BMFF ftyp box with its brand list fits).
inline constexpr std::size_t kMimeSniffBytes = 256;

// The MIME type for a file starting with `head`; empty when the content is not recognised.
std::string sniff_mime(std::string_view head);

// A guess from the file name's extension, for files whose content says nothing (damaged or
// unknown formats): "image/jpeg" for .jpg, ...; "application/octet-stream" when unknown.
std::string mime_from_extension(const std::filesystem::path& file);

// Reads the first kMimeSniffBytes of `file`; kLocalIo when it cannot be read.
Result<std::string> sniff_mime_of_file(const std::filesystem::path& file);

}  // namespace imgsync::media
