// Readable slugs for file names outside the Latin alphabet (media/naming.h): Cyrillic, Greek and
// Japanese kana are transliterated to ASCII ("Фото" -> "foto", "とうきょう" -> "toukyou"); letters
// of scripts without a simple transliteration (CJK ideographs, Hangul, Hebrew, Arabic, Thai,
// Devanagari) are kept as UTF-8, which S3 keys allow.
#pragma once

#include <string>

namespace imgsync::media {

// Appends the lower-case ASCII spelling of `cp` to `out` when it is a Cyrillic, Greek or kana
// letter and returns true; false (and `out` untouched) for any other code point. Kana digraphs
// (きゃ -> kya) and the small tsu (っ: the next consonant doubles) look at what came before.
class NonLatinTransliterator {
 public:
  bool append(char32_t cp, std::string& out);

 private:
  bool double_next_ = false;  // after a small tsu
};

// A letter kept as UTF-8 in slugs and allowed in names.
bool is_kept_letter(char32_t cp);

}  // namespace imgsync::media
