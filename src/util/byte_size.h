// Human byte sizes in configuration and flags: "64MiB", "16 MB", "5GiB", "1048576".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace imgsync {

// Units: B, KB/MB/GB/TB (powers of 1000), KiB/MiB/GiB/TiB (powers of 1024), case-insensitive;
// a bare number is bytes. Fractions are allowed with a unit ("1.5GiB").
Result<std::uint64_t> parse_byte_size(std::string_view text);
// "16 MiB", "1.5 GiB", "512 B": for messages and progress.
std::string format_byte_size(std::uint64_t bytes);

}  // namespace imgsync
