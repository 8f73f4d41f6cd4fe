#include "media/transliteration.h"

#include <iterator>

namespace imgsync::media {
namespace {

// U+0400..U+045F: Ѐ..Џ, А..я, ѐ..џ (the Russian, Ukrainian, Belarusian, Serbian, Macedonian
// letters), after the common passport-style romanisations. nullptr: a sign with no sound (ъ, ь),
// dropped without separating the word.
constexpr const char* kCyrillicUpper[] = {"e", "yo", "dj", "g", "ye", "dz", "i", "yi",
                                          "j", "lj", "nj", "c", "k",  "i",  "u", "dz"};
constexpr const char* kCyrillicBasic[] = {"a",  "b",    "v",     "g", "d",     "e",  "zh", "z",
                                          "i",  "y",    "k",     "l", "m",     "n",  "o",  "p",
                                          "r",  "s",    "t",     "u", "f",     "kh", "ts", "ch",
                                          "sh", "shch", nullptr, "y", nullptr, "e",  "yu", "ya"};
static_assert(std::size(kCyrillicBasic) == 32);

// U+0391..U+03A9 and U+03B1..U+03C9 share one table (ς, U+03C2, sits where capitals have none).
constexpr const char* kGreek[] = {"a", "v", "g", "d", "e",  "z",  "i", "th", "i",
                                  "k", "l", "m", "n", "x",  "o",  "p", "r",  "s",
                                  "s", "t", "y", "f", "ch", "ps", "o"};
static_assert(std::size(kGreek) == 0x03A9 - 0x0391 + 1);

// Hiragana U+3041..U+3096 (katakana is the same 0x60 higher), Hepburn. "" for the small tsu.
constexpr const char* kKana[] = {
    "a",  "a",  "i",   "i",  "u",  "u",   "e",  "e",   "o",  "o",  "ka", "ga", "ki", "gi", "ku",
    "gu", "ke", "ge",  "ko", "go", "sa",  "za", "shi", "ji", "su", "zu", "se", "ze", "so", "zo",
    "ta", "da", "chi", "ji", "",   "tsu", "zu", "te",  "de", "to", "do", "na", "ni", "nu", "ne",
    "no", "ha", "ba",  "pa", "hi", "bi",  "pi", "fu",  "bu", "pu", "he", "be", "pe", "ho", "bo",
    "po", "ma", "mi",  "mu", "me", "mo",  "ya", "ya",  "yu", "yu", "yo", "yo", "ra", "ri", "ru",
    "re", "ro", "wa",  "wa", "wi", "we",  "wo", "n",   "vu", "ka", "ke"};
static_assert(std::size(kKana) == 0x3096 - 0x3041 + 1);

const char* cyrillic(char32_t cp) {
  if (cp >= 0x0410 && cp <= 0x042F) return kCyrillicBasic[cp - 0x0410];
  if (cp >= 0x0430 && cp <= 0x044F) return kCyrillicBasic[cp - 0x0430];
  if (cp >= 0x0400 && cp <= 0x040F) return kCyrillicUpper[cp - 0x0400];
  if (cp >= 0x0450 && cp <= 0x045F) return kCyrillicUpper[cp - 0x0450];
  if (cp == 0x0490 || cp == 0x0491) return "g";  // Ґ ґ
  return "?";
}

const char* greek(char32_t cp) {
  switch (cp) {  // the accented vowels
    case 0x0386:
    case 0x03AC:
      return "a";
    case 0x0388:
    case 0x03AD:
      return "e";
    case 0x0389:
    case 0x03AE:
    case 0x038A:
    case 0x03AF:
    case 0x03CA:
    case 0x0390:
      return "i";
    case 0x038C:
    case 0x03CC:
    case 0x038F:
    case 0x03CE:
      return "o";
    case 0x038E:
    case 0x03CD:
    case 0x03CB:
    case 0x03B0:
      return "y";
    default:
      break;
  }
  if (cp >= 0x0391 && cp <= 0x03A9 && cp != 0x03A2) return kGreek[cp - 0x0391];
  if (cp >= 0x03B1 && cp <= 0x03C9) return kGreek[cp - 0x03B1];
  return "?";
}

bool is_small_y(char32_t kana) {
  return kana == 0x3083 || kana == 0x3085 || kana == 0x3087;  // ゃ ゅ ょ
}

bool is_vowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

}  // namespace

bool NonLatinTransliterator::append(char32_t cp, std::string& out) {
  const char* spelling = "?";
  if ((cp >= 0x0400 && cp <= 0x045F) || cp == 0x0490 || cp == 0x0491) {
    spelling = cyrillic(cp);
  } else if (cp >= 0x0386 && cp <= 0x03CE) {
    spelling = greek(cp);
  } else if (cp == 0x30FC) {  // ー, the long vowel mark
    return true;
  } else if ((cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x30A1 && cp <= 0x30F6)) {
    const char32_t kana = cp >= 0x30A1 ? cp - 0x60 : cp;
    if (kana == 0x3063) {  // っ: the next consonant doubles
      double_next_ = true;
      return true;
    }
    std::string syllable = kKana[kana - 0x3041];
    // きゃ -> kya, しゃ -> sha, ちょ -> cho, じゅ -> ju
    if (is_small_y(kana) && out.size() >= 2 && out.back() == 'i' &&
        !is_vowel(out[out.size() - 2])) {
      out.pop_back();
      const bool soft = out.ends_with("sh") || out.ends_with("ch") || out.back() == 'j';
      out += soft ? syllable.substr(1) : syllable;
      return true;
    }
    if (double_next_ && !syllable.empty() && !is_vowel(syllable.front())) {
      out.push_back(syllable.front() == 'c' ? 't' : syllable.front());
    }
    double_next_ = false;
    out += syllable;
    return true;
  }
  if (spelling == nullptr) return true;  // ъ ь: no sound, no separator
  if (spelling[0] == '?') return false;
  double_next_ = false;
  out += spelling;
  return true;
}

bool is_kept_letter(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) ||  // CJK unified ideographs
         (cp >= 0x3400 && cp <= 0x4DBF) ||  // CJK extension A
         (cp >= 0xAC00 && cp <= 0xD7A3) ||  // Hangul syllables
         (cp >= 0x05D0 && cp <= 0x05EA) ||  // Hebrew letters
         (cp >= 0x0620 && cp <= 0x064A) ||  // Arabic letters
         (cp >= 0x0E01 && cp <= 0x0E30) ||  // Thai consonants and vowels
         (cp >= 0x0904 && cp <= 0x0939);    // Devanagari vowels and consonants
}

}  // namespace imgsync::media
