#include "media/naming.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <utility>

#include "media/transliteration.h"

namespace imgsync::media {
namespace {

constexpr std::size_t kMaxExtensionBytes = 16;
constexpr char32_t kInvalid = 0xFFFFFFFF;

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
bool is_name_char(char c) {
  return is_ascii_alnum(c) || c == '.' || c == '_' || c == '-';
}

// Decodes one UTF-8 sequence at text[i], advancing i. Overlong forms, surrogates and values past
// U+10FFFF are invalid: they cost one byte and come back as kInvalid, so bad bytes can never
// swallow the valid characters after them.
char32_t decode_utf8(std::string_view text, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) {
    ++i;
    return lead;
  }
  std::size_t length = 0;
  char32_t cp = 0;
  char32_t minimum = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1F, minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0F, minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07, minimum = 0x10000;
  } else {
    ++i;
    return kInvalid;
  }
  if (i + length > text.size()) {
    ++i;
    return kInvalid;
  }
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      ++i;
      return kInvalid;
    }
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kInvalid;
  }
  i += length;
  return cp;
}

// ASCII spellings of U+00C0..U+017F (Latin-1 Supplement letters and Latin Extended-A), the
// letters most camera and file names outside English use. "" marks a non-letter (× ÷).
// clang-format off
constexpr const char* kLatinTransliteration[] = {
    /* U+00C0 */ "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I",
    /* U+00D0 */ "D", "N", "O", "O", "O", "O", "O", "", "O", "U", "U", "U", "U", "Y", "TH", "ss",
    /* U+00E0 */ "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    /* U+00F0 */ "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th", "y",
    /* U+0100 */ "A", "a", "A", "a", "A", "a", "C", "c", "C", "c", "C", "c", "C", "c", "D", "d",
    /* U+0110 */ "D", "d", "E", "e", "E", "e", "E", "e", "E", "e", "E", "e", "G", "g", "G", "g",
    /* U+0120 */ "G", "g", "G", "g", "H", "h", "H", "h", "I", "i", "I", "i", "I", "i", "I", "i",
    /* U+0130 */ "I", "i", "IJ", "ij", "J", "j", "K", "k", "k", "L", "l", "L", "l", "L", "l", "L",
    /* U+0140 */ "l", "L", "l", "N", "n", "N", "n", "N", "n", "n", "NG", "ng", "O", "o", "O", "o",
    /* U+0150 */ "O", "o", "OE", "oe", "R", "r", "R", "r", "R", "r", "S", "s", "S", "s", "S", "s",
    /* U+0160 */ "S", "s", "T", "t", "T", "t", "T", "t", "U", "u", "U", "u", "U", "u", "U", "u",
    /* U+0170 */ "U", "u", "U", "u", "W", "w", "Y", "y", "Y", "Z", "z", "Z", "z", "Z", "z", "s",
};
// clang-format on
static_assert(std::size(kLatinTransliteration) == 0x180 - 0xC0);

// Code points that carry no letter of their own: combining accents (macOS writes file names
// decomposed, "e" + U+0301), soft hyphen, zero-width joiners, BOM. Dropping them keeps the base
// letter whole; every other unknown code point separates words ("Zürich–Nord" → "zurich-nord").
bool is_invisible(char32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) || cp == 0x00AD || (cp >= 0x200B && cp <= 0x200D) ||
         cp == 0x2060 || cp == 0xFEFF;
}

enum class FoldMode { kSlug, kComponent };

// Transliterates to ASCII and replaces every run of characters the mode does not keep with one
// '-'. kSlug keeps [a-z0-9] (lower-casing), kComponent keeps [A-Za-z0-9._-].
std::string fold_to_ascii(std::string_view text, FoldMode mode, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes + 8));
  const auto separate = [&] {
    if (!out.empty() && out.back() != '-') out.push_back('-');
  };
  const auto emit = [&](char c) {
    if (mode == FoldMode::kSlug) c = ascii_lower(c);
    out.push_back(c);
  };
  NonLatinTransliterator non_latin;
  for (std::size_t i = 0; i < text.size() && out.size() <= max_bytes;) {
    const std::size_t start = i;
    const char32_t cp = decode_utf8(text, i);
    if (cp < 0x80) {
      const char c = static_cast<char>(cp);
      if (is_ascii_alnum(c) || (mode == FoldMode::kComponent && (c == '.' || c == '_'))) {
        emit(c);
      } else {
        separate();
      }
    } else if (cp >= 0xC0 && cp < 0x180 && *kLatinTransliteration[cp - 0xC0] != '\0') {
      for (const char* p = kLatinTransliteration[cp - 0xC0]; *p != '\0'; ++p) emit(*p);
    } else if (mode == FoldMode::kSlug && non_latin.append(cp, out)) {
      // Cyrillic, Greek, kana: spelled in ASCII
    } else if (mode == FoldMode::kSlug && cp != kInvalid && is_kept_letter(cp)) {
      out.append(text.substr(start, i - start));  // kept as UTF-8
    } else if (!is_invisible(cp)) {
      separate();
    }
  }
  return out;
}

// One safe path segment: no "..", no leading or trailing '.'/'-', at most max_bytes.
std::string tidy_segment(std::string text, std::size_t max_bytes) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '.' && !out.empty() && out.back() == '.') continue;
    if ((c == '.' || c == '-') && out.empty()) continue;
    out.push_back(c);
  }
  if (out.size() > max_bytes) {
    // Never cut a UTF-8 sequence (kept letters): back up to the start of the last one.
    std::size_t end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) --end;
    out.resize(end);
  }
  while (!out.empty() && (out.back() == '.' || out.back() == '-')) out.pop_back();
  return out;
}

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", byte);
      out += escaped;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// FORMAT of {date:FORMAT}, already checked by check_date_format.
std::string format_date(std::string_view format, const CaptureTime& time) {
  std::string out;
  for (std::size_t k = 0; k < format.size(); ++k) {
    if (format[k] != '%') {
      out.push_back(format[k]);
      continue;
    }
    const char directive = format[++k];
    const int value = directive == 'Y'   ? time.year
                      : directive == 'm' ? time.month
                      : directive == 'd' ? time.day
                      : directive == 'H' ? time.hour
                      : directive == 'M' ? time.minute
                                         : time.second;
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, directive == 'Y' ? "%04d" : "%02d", value);
    out += buffer;
  }
  return out;
}

// The first `count` hex digits, lower-cased; "" when there are fewer.
std::string leading_hex(std::string_view text, std::size_t count) {
  std::string hex;
  for (std::size_t k = 0; k < text.size() && hex.size() < count; ++k) {
    const char c = ascii_lower(text[k]);
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) break;
    hex.push_back(c);
  }
  return hex.size() == count ? hex : std::string();
}

constexpr std::string_view kValidPlaceholders =
    "{project}, {slug}, {stem}, {ext}, {hash6}, {time}, {date}, {date:FORMAT} "
    "(FORMAT: %Y %m %d %H %M %S)";

Error template_error(std::string_view template_text, const std::string& what) {
  return make_error(ErrorCategory::kInvalidInput,
                    "name template \"" + printable(template_text) + "\": " + what);
}

Error bad_literal(std::string_view template_text, char c) {
  const std::string shown = (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
                                ? printable(std::string(1, c))
                                : std::string(1, c);
  return template_error(template_text,
                        "character '" + shown +
                            "' cannot appear in a name (a name is one path segment); allowed "
                            "outside placeholders: letters, digits, '.', '_', '-'");
}

Status check_date_format(std::string_view template_text, std::string_view format) {
  if (format.empty()) return template_error(template_text, "{date:} needs a format such as %Y%m%d");
  for (std::size_t k = 0; k < format.size(); ++k) {
    if (format[k] != '%') {
      if (!is_name_char(format[k])) return bad_literal(template_text, format[k]);
      continue;
    }
    if (k + 1 == format.size()) {
      return template_error(template_text,
                            "dangling '%' at the end of {date:" + printable(format) + "}");
    }
    const char directive = format[++k];
    if (std::string_view("YmdHMS").find(directive) == std::string_view::npos) {
      return template_error(template_text, "unsupported directive '%" + printable({&directive, 1}) +
                                               "' in {date:" + printable(format) +
                                               "}; supported: %Y %m %d %H %M %S");
    }
  }
  return Status::success();
}

}  // namespace

NamingInput naming_input_from(const ImageMetadata& metadata, std::string project) {
  const std::filesystem::path path(metadata.path);
  NamingInput input;
  input.project = std::move(project);
  input.stem = path.stem().string();
  input.extension = path.extension().string();
  input.captured_at = metadata.captured_at;
  input.sha256 = metadata.sha256;
  return input;
}

std::string slugify(std::string_view stem) {
  std::string slug = fold_to_ascii(stem, FoldMode::kSlug, kMaxSlugBytes);
  slug = tidy_segment(std::move(slug), kMaxSlugBytes);
  return slug.empty() ? "img" : slug;
}

std::string safe_name_component(std::string_view text) {
  return tidy_segment(fold_to_ascii(text, FoldMode::kComponent, kMaxNameBytes), kMaxNameBytes);
}

std::string normalize_extension(std::string_view extension) {
  std::string out;
  for (char c : extension) {
    if (out.size() == kMaxExtensionBytes) break;
    if (is_ascii_alnum(c)) out.push_back(ascii_lower(c));
  }
  return out;
}

bool is_safe_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes || name.front() == '.') return false;
  for (std::size_t i = 0; i < name.size();) {
    if (static_cast<unsigned char>(name[i]) >= 0x80) {  // a letter slugify keeps as UTF-8
      if (!is_kept_letter(decode_utf8(name, i))) return false;
      continue;
    }
    if (!is_name_char(name[i])) return false;
    if (name[i] == '.' && i + 1 < name.size() && name[i + 1] == '.') return false;
    ++i;
  }
  return true;
}

bool has_valid_calendar_fields(const CaptureTime& time) {
  using namespace std::chrono;
  if (time.year < 1 || time.year > 9999) return false;
  if (time.month < 1 || time.month > 12 || time.day < 1 || time.day > 31) return false;
  const year_month_day date{year{time.year}, month{static_cast<unsigned>(time.month)},
                            day{static_cast<unsigned>(time.day)}};
  return date.ok() && time.hour >= 0 && time.hour <= 23 && time.minute >= 0 && time.minute <= 59 &&
         time.second >= 0 && time.second <= 60;
}

Result<NameTemplate> NameTemplate::parse(std::string_view text) {
  NameTemplate parsed;
  parsed.text_ = std::string(text);
  std::string literal;
  const auto flush_literal = [&] {
    if (!literal.empty()) parsed.segments_.push_back({Kind::kLiteral, std::move(literal)});
    literal.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '}') {
      return template_error(text, "unbalanced '}' at position " + std::to_string(i) +
                                      "; valid placeholders: " + std::string(kValidPlaceholders));
    }
    if (c != '{') {
      if (!is_name_char(c)) return bad_literal(text, c);
      literal.push_back(c);
      continue;
    }
    const std::size_t close = text.find_first_of("{}", i + 1);
    if (close == std::string_view::npos || text[close] == '{') {
      return template_error(text, "unclosed '{' at position " + std::to_string(i) +
                                      "; valid placeholders: " + std::string(kValidPlaceholders));
    }
    const std::string_view inner = text.substr(i + 1, close - i - 1);
    const std::size_t colon = inner.find(':');
    const std::string_view name = inner.substr(0, colon);
    const bool has_format = colon != std::string_view::npos;
    static constexpr std::pair<std::string_view, Kind> kKinds[] = {
        {"project", Kind::kProject}, {"slug", Kind::kSlug},   {"stem", Kind::kStem},
        {"ext", Kind::kExt},         {"hash6", Kind::kHash6}, {"date", Kind::kDate},
        {"time", Kind::kDate}};
    const auto* known = std::find_if(std::begin(kKinds), std::end(kKinds),
                                     [&](const auto& entry) { return entry.first == name; });
    if (known == std::end(kKinds)) {
      return template_error(text, "unknown placeholder {" + printable(inner) +
                                      "}; valid placeholders: " + std::string(kValidPlaceholders));
    }
    Segment segment{known->second, ""};
    if (name == "time") segment.text = "%H%M%S";
    if (name == "date") segment.text = has_format ? std::string(inner.substr(colon + 1)) : "%Y%m%d";
    if (has_format && name != "date") {
      return template_error(
          text, "placeholder {" + std::string(name) + "} takes no format; only {date:FORMAT} does");
    }
    if (segment.kind == Kind::kDate) {
      if (auto checked = check_date_format(text, segment.text); !checked.ok()) {
        return checked.error();
      }
    }
    flush_literal();
    parsed.segments_.push_back(std::move(segment));
    i = close;
  }
  flush_literal();
  if (parsed.segments_.empty()) return template_error(text, "empty; try {project}_{slug}_{date}");
  return parsed;
}

NameTemplate NameTemplate::default_template() {
  auto parsed = parse(kDefaultNameTemplate);
  return std::move(parsed).value();
}

bool NameTemplate::uses_capture_time() const {
  for (const Segment& segment : segments_) {
    if (segment.kind == Kind::kDate) return true;
  }
  return false;
}

Result<std::string> NameTemplate::render(const NamingInput& input) const {
  const CaptureTime* time = nullptr;
  if (uses_capture_time()) {
    if (!input.captured_at || !has_valid_calendar_fields(*input.captured_at)) {
      return make_error(ErrorCategory::kInvalidInput,
                        "no capture date for \"" + printable(input.stem) +
                            "\": the name template \"" + printable(text_) +
                            "\" uses {date}/{time}; use a template without them or fix the "
                            "file's date");
    }
    time = &*input.captured_at;
  }
  std::string name;
  for (const Segment& segment : segments_) {
    switch (segment.kind) {
      case Kind::kLiteral:
        name += segment.text;
        break;
      case Kind::kProject:
        name += safe_name_component(input.project);
        break;
      case Kind::kSlug:
        name += slugify(input.stem);
        break;
      case Kind::kStem:
        name += safe_name_component(input.stem);
        break;
      case Kind::kExt:
        name += normalize_extension(input.extension);
        break;
      case Kind::kHash6: {
        const std::string hash = leading_hex(input.sha256, 6);
        if (hash.empty()) {
          return make_error(
              ErrorCategory::kInvalidInput,
              "no sha256 for \"" + printable(input.stem) + "\": the name template uses {hash6}");
        }
        name += hash;
        break;
      }
      case Kind::kDate:
        name += format_date(segment.text, *time);
        break;
    }
  }
  // Each piece is safe on its own; joining can still produce "..", an edge '.', or too many bytes.
  // An empty {project} must not leave "_slug_date": edge '_' go too, as do '.' and '-'.
  name = tidy_segment(std::move(name), kMaxNameBytes);
  const std::size_t first = name.find_first_not_of("._-");
  if (first == std::string::npos) return std::string("img");
  return name.substr(first, name.find_last_not_of("._-") - first + 1);
}

}  // namespace imgsync::media
