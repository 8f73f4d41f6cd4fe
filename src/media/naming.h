// Object names: the `<name>` part of every key of one capture (docs/design.md §2, "Names").
// A name comes from a template such as "{project}_{slug}_{date:%Y%m%d}" filled from one file.
// Names are deterministic (same inputs, same name) and always one safe path segment:
// ASCII letters, digits, '.', '_' and '-' only, never "..", never a leading '.', at most
// kMaxNameBytes bytes. Collisions between different files are settled in object_keys.h.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "media/image_metadata.h"
#include "util/result.h"

namespace imgsync::media {

inline constexpr std::size_t kMaxNameBytes = 200;
inline constexpr std::size_t kMaxSlugBytes = 64;
inline constexpr std::string_view kDefaultNameTemplate = "{project}_{slug}_{date:%Y%m%d}";

// What a template may draw on, gathered from one file (for a raw+enhanced pair: the raw file).
struct NamingInput {
  std::string project;
  std::string stem;       // the original file name without its extension, any bytes
  std::string extension;  // with or without the leading dot, any case
  std::optional<CaptureTime> captured_at;
  std::string sha256;  // hex of the whole file
};

// Stem and extension split off metadata.path (only the last ".xyz" is the extension).
NamingInput naming_input_from(const ImageMetadata& metadata, std::string project);

// The stem made URL-safe: Latin, Cyrillic, Greek letters and kana transliterated to ASCII
// (media/transliteration.h), lower-case; CJK, Hangul, Hebrew, Arabic, Thai and Devanagari letters
// kept as UTF-8 (S3 allows them in keys); every run of other characters (and invalid UTF-8) turned
// into one '-', trimmed, at most kMaxSlugBytes (never inside a UTF-8 sequence); "img" when
// nothing is left. Never fails.
std::string slugify(std::string_view stem);

// Like slugify but keeps case, '.' and '_' ({stem}, {project}); "" when nothing is left.
std::string safe_name_component(std::string_view text);

// Lower-case ASCII letters and digits of an extension, without dot, at most 16 bytes.
std::string normalize_extension(std::string_view extension);

// True for a string usable as `<name>`: non-empty, at most kMaxNameBytes, only [A-Za-z0-9._-]
// and the UTF-8 letters slugify keeps, no "..", not starting with '.'.
bool is_safe_name(std::string_view name);

// A parsed name template. Placeholders: {project} {slug} {stem} {ext} {hash6} {time} (HHMMSS)
// {date} and {date:FORMAT} (FORMAT: %Y %m %d %H %M %S, %% and name-safe literals; {date} alone
// is {date:%Y%m%d}). Dates are the capture time's local wall clock. Literal text may only use
// name-safe characters, so a template cannot smuggle '/' or ".." into a key.
class NameTemplate {
 public:
  // kInvalidInput for an unknown placeholder (the message lists the valid ones), an unbalanced
  // brace, an unsupported %-directive or a character a name cannot contain.
  static Result<NameTemplate> parse(std::string_view text);
  static NameTemplate default_template();

  // kInvalidInput "no capture date" when the template uses {date}/{time} and there is none (or
  // its fields are not a real date), and when it uses {hash6} without a sha256.
  Result<std::string> render(const NamingInput& input) const;

  bool uses_capture_time() const;
  const std::string& text() const { return text_; }

 private:
  enum class Kind { kLiteral, kProject, kSlug, kStem, kExt, kHash6, kDate };  // {time}: kDate
  struct Segment {
    Kind kind = Kind::kLiteral;
    std::string text;  // the literal, or the date format ("%H%M%S" for {time})
  };
  NameTemplate() = default;

  std::string text_;
  std::vector<Segment> segments_;
};

// Whether the wall-clock fields of a capture time form a real date and time (seconds may be 60).
bool has_valid_calendar_fields(const CaptureTime& time);

}  // namespace imgsync::media
