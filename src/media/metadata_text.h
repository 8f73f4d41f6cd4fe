// Text as found in metadata, made fit to show and to store: cut at the first NUL, trimmed, valid
// UTF-8 (EXIF ASCII and old IPTC are often Latin-1; JSON output must never see invalid bytes).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace imgsync::media {

bool is_valid_utf8(std::string_view text);

// Valid UTF-8 unchanged; anything else is read as Latin-1 and converted.
std::string to_valid_utf8(std::string_view text);

// Up to the first NUL, without surrounding whitespace, as valid UTF-8.
std::string clean_text(std::string_view text);

// UTF-16LE bytes (Windows XP* tags) to UTF-8, up to the first NUL character. Unpaired
// surrogates become U+FFFD.
std::string utf16le_to_utf8(std::string_view bytes);

// Adds `tag` (cleaned) unless empty or already present; keeps the first spelling.
void add_unique_tag(std::vector<std::string>& tags, std::string_view tag);

}  // namespace imgsync::media
