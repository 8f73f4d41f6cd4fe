#include "media/naming.h"

#include <gtest/gtest.h>

namespace imgsync::media {
namespace {

CaptureTime time_of(int year, int month, int day, int hour, int minute, int second) {
  CaptureTime time;
  time.year = year, time.month = month, time.day = day;
  time.hour = hour, time.minute = minute, time.second = second;
  return time;
}

NamingInput sample_input() {
  NamingInput input;
  input.project = "alps";
  input.stem = "IMG_0042";
  input.extension = ".CR3";
  input.captured_at = time_of(2026, 5, 3, 14, 22, 5);
  input.sha256 = "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
  return input;
}

std::string render(std::string_view text, const NamingInput& input) {
  auto parsed = NameTemplate::parse(text);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.error().message;
  if (!parsed.ok()) return {};
  auto name = parsed->render(input);
  EXPECT_TRUE(name.ok()) << name.error().message;
  return name.ok() ? *name : std::string();
}

TEST(SlugTest, LowerCasesAndJoinsWordsWithDashes) {
  EXPECT_EQ(slugify("IMG_0042"), "img-0042");
  EXPECT_EQ(slugify("  Sunset over   the Lake!! "), "sunset-over-the-lake");
  EXPECT_EQ(slugify("a.b.c"), "a-b-c");
  EXPECT_EQ(slugify("--x--"), "x");
}

TEST(SlugTest, TransliteratesCommonLatinLetters) {
  EXPECT_EQ(slugify("Café Zürich"), "cafe-zurich");
  EXPECT_EQ(slugify("Straße"), "strasse");
  EXPECT_EQ(slugify("Øresund Ærø Åland"), "oresund-aero-aland");
  EXPECT_EQ(slugify("Łódź"), "lodz");
  EXPECT_EQ(slugify("Œuvre ĳssel Þór"), "oeuvre-ijssel-thor");
  EXPECT_EQ(slugify("Ñandú Çà"), "nandu-ca");
}

TEST(SlugTest, DecomposedAccentsKeepTheirBaseLetter) {
  // macOS stores file names decomposed: "e" followed by U+0301 COMBINING ACUTE ACCENT.
  EXPECT_EQ(slugify("Cafe\xCC\x81"), "cafe");
}

TEST(SlugTest, NonLatinNamesGetReadableSlugs) {
  // Transliterated: Cyrillic, Greek, kana (with digraphs and the doubling small tsu).
  EXPECT_EQ(slugify("Фото 1"), "foto-1");
  EXPECT_EQ(slugify("Съёмка_Щука"), "syomka-shchuka");
  EXPECT_EQ(slugify("Ακρόπολη"), "akropoli");
  EXPECT_EQ(slugify("とうきょう"), "toukyou");
  EXPECT_EQ(slugify("がっこう"), "gakkou");
  EXPECT_EQ(slugify("マッチャ"), "matcha");
  EXPECT_EQ(slugify("しゃしん"), "shashin");
  // Kept as UTF-8 (S3 keys allow it), and accepted as a name.
  EXPECT_EQ(slugify("東京タワー 2"), "東京tawa-2");
  EXPECT_EQ(slugify("서울"), "서울");
  EXPECT_TRUE(is_safe_name("p_東京_20260501"));
  EXPECT_FALSE(is_safe_name("p_\xE2\x80\x93_x"));  // an en dash is no letter
  // Truncation never splits a UTF-8 sequence: 3-byte letters, 64 bytes at most.
  std::string thirty;
  for (int k = 0; k < 30; ++k) thirty += "東";  // 90 bytes
  const std::string long_slug = slugify(thirty);
  EXPECT_EQ(long_slug.size(), 63u);
  EXPECT_EQ(long_slug.substr(0, 3), "東");
}

TEST(SlugTest, OtherScriptsAndSymbolsSeparateWords) {
  EXPECT_EQ(slugify("東京 tower"), "東京-tower");
  EXPECT_EQ(slugify("©tower"), "tower");
  EXPECT_EQ(slugify("Zürich–Nord"), "zurich-nord");  // en dash
  EXPECT_EQ(slugify("photo😀2"), "photo-2");
}

TEST(SlugTest, EmptyResultFallsBackToImg) {
  EXPECT_EQ(slugify(""), "img");
  EXPECT_EQ(slugify("---"), "img");
  EXPECT_EQ(slugify("☀☁"), "img");
  EXPECT_EQ(slugify(".."), "img");
}

TEST(SlugTest, InvalidUtf8BytesAreSeparators) {
  EXPECT_EQ(slugify("ab\xFF\xFE"
                    "cd"),
            "ab-cd");
  EXPECT_EQ(slugify("x\xC3"), "x");  // truncated sequence
  EXPECT_EQ(slugify("a\xC0\xAF"
                    "b"),
            "a-b");  // overlong '/'
  EXPECT_EQ(slugify("a\xED\xA0\x80"
                    "b"),
            "a-b");  // UTF-16 surrogate
  EXPECT_EQ(slugify("\xC3"
                    "A"),
            "a");  // bad continuation keeps the next letter
}

TEST(SlugTest, CappedAt64BytesWithoutTrailingDash) {
  const std::string slug = slugify(std::string(63, 'a') + " b" + std::string(100, 'c'));
  EXPECT_EQ(slug, std::string(63, 'a'));
  EXPECT_EQ(slugify(std::string(1000, 'x')).size(), kMaxSlugBytes);
}

TEST(NamingTemplateTest, DefaultTemplate) {
  EXPECT_EQ(NameTemplate::default_template().text(), kDefaultNameTemplate);
  EXPECT_EQ(*NameTemplate::default_template().render(sample_input()), "alps_img-0042_20260503");
}

TEST(NamingTemplateTest, EveryPlaceholder) {
  const NamingInput input = sample_input();
  EXPECT_EQ(render("{project}-{slug}-{stem}-{ext}-{hash6}-{time}", input),
            "alps-img-0042-IMG_0042-cr3-abcdef-142205");
  EXPECT_EQ(render("{date}", input), "20260503");
  EXPECT_EQ(render("{date:%Y-%m-%d_%H.%M.%S}", input), "2026-05-03_14.22.05");
  EXPECT_EQ(render("x{date:%d}y", input), "x03y");
}

TEST(NamingTemplateTest, DateIsTheLocalWallClockEvenWithAnOffset) {
  NamingInput input = sample_input();
  input.captured_at = time_of(2026, 5, 3, 23, 30, 0);
  input.captured_at->utc_offset_minutes = -300;  // 04:30 UTC on the 4th: the name keeps the 3rd
  EXPECT_EQ(render("{date}_{time}", input), "20260503_233000");
}

TEST(NamingTemplateTest, UnknownPlaceholderNamesItAndListsTheValidOnes) {
  auto parsed = NameTemplate::parse("{project}_{camera}");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().category, ErrorCategory::kInvalidInput);
  EXPECT_NE(parsed.error().message.find("{camera}"), std::string::npos);
  EXPECT_NE(parsed.error().message.find("{slug}"), std::string::npos);
  EXPECT_NE(parsed.error().message.find("{date:FORMAT}"), std::string::npos);
}

TEST(NamingTemplateTest, RejectsBadTemplates) {
  for (std::string_view text :
       {"{project", "project}", "{{slug}}", "{slug}}", "{", "}", "", "{}", "{date:%Y%q}",
        "{date:%}", "{date:}", "{slug:x}", "{project}/{slug}", "..\\{slug}", "a b", "{date:%Y/%m}",
        "{slug}\n", "{SLUG}"}) {
    auto parsed = NameTemplate::parse(text);
    EXPECT_FALSE(parsed.ok()) << "accepted: " << text;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().category, ErrorCategory::kInvalidInput);
    }
  }
}

TEST(NamingTemplateTest, MissingCaptureDateIsAnErrorOnlyWhenUsed) {
  NamingInput input = sample_input();
  input.captured_at.reset();
  auto dated = NameTemplate::default_template().render(input);
  ASSERT_FALSE(dated.ok());
  EXPECT_NE(dated.error().message.find("no capture date"), std::string::npos);
  EXPECT_FALSE(NameTemplate::parse("{slug}_{time}")->render(input).ok());
  EXPECT_EQ(render("{project}_{slug}", input), "alps_img-0042");

  input.captured_at = time_of(2026, 2, 30, 0, 0, 0);  // no such day
  EXPECT_FALSE(NameTemplate::default_template().render(input).ok());
}

TEST(NamingTemplateTest, Hash6NeedsASha256) {
  NamingInput input = sample_input();
  input.sha256 = "abc";
  EXPECT_FALSE(NameTemplate::parse("{hash6}")->render(input).ok());
  input.sha256 = "zzzzzzzz";
  EXPECT_FALSE(NameTemplate::parse("{hash6}")->render(input).ok());
}

TEST(NamingTemplateTest, StemAndProjectAreMadeSafeButKeepCase) {
  NamingInput input = sample_input();
  input.project = "../My Trip/";
  input.stem = "Café/../..\\x y";
  const std::string name = render("{project}_{stem}", input);
  EXPECT_EQ(name, "My-Trip_Cafe-.-.-x-y");
  EXPECT_TRUE(is_safe_name(name));
}

TEST(NamingTemplateTest, JoinedPiecesNeverFormDotDotOrEdgeDots) {
  NamingInput input = sample_input();
  input.stem = "a.";
  EXPECT_EQ(render("{stem}.{ext}", input), "a.cr3");
  input.stem = ".hidden";
  EXPECT_EQ(render("{stem}", input), "hidden");
  input.stem = "...";
  EXPECT_EQ(render("{stem}", input), "img");
  EXPECT_EQ(render(".{stem}.", input), "img");
  input.project = "";
  input.stem = "_DSC0001";
  EXPECT_EQ(render("{project}_{stem}_{date}", input), "DSC0001_20260503");
  EXPECT_EQ(render("{date}{stem}", input), "20260503_DSC0001");  // inside a name, kept
  EXPECT_EQ(render("{stem}", input), "DSC0001");
}

TEST(NamingTemplateTest, LongNamesAreCappedAt200Bytes) {
  NamingInput input = sample_input();
  input.project = std::string(300, 'p');
  input.stem = std::string(300, 's');
  const std::string name = render("{project}_{stem}_{slug}_{date}", input);
  EXPECT_EQ(name.size(), kMaxNameBytes);
  EXPECT_TRUE(is_safe_name(name));
}

TEST(NamingTemplateTest, Deterministic) {
  const NamingInput input = sample_input();
  const NameTemplate tmpl = *NameTemplate::parse("{project}_{slug}_{date}_{time}_{hash6}");
  EXPECT_EQ(*tmpl.render(input), *tmpl.render(input));
  EXPECT_EQ(*tmpl.render(input), *NameTemplate::parse(tmpl.text())->render(input));
}

TEST(NamingTemplateTest, InputFromMetadataSplitsStemAndExtension) {
  ImageMetadata metadata;
  metadata.path = "/photos/2026/IMG_0042.tar.CR3";
  metadata.sha256 = "00ff";
  metadata.captured_at = time_of(2026, 1, 2, 3, 4, 5);
  const NamingInput input = naming_input_from(metadata, "alps");
  EXPECT_EQ(input.project, "alps");
  EXPECT_EQ(input.stem, "IMG_0042.tar");
  EXPECT_EQ(input.extension, ".CR3");
  EXPECT_EQ(input.sha256, "00ff");
  EXPECT_EQ(normalize_extension(input.extension), "cr3");
  EXPECT_EQ(normalize_extension(".J-P_G"), "jpg");
}

TEST(NamingTemplateTest, SafeNamePredicate) {
  EXPECT_TRUE(is_safe_name("alps_img-0042_20260503"));
  EXPECT_TRUE(is_safe_name("a.b"));
  EXPECT_FALSE(is_safe_name(""));
  EXPECT_FALSE(is_safe_name(".a"));
  EXPECT_FALSE(is_safe_name("a..b"));
  EXPECT_FALSE(is_safe_name("a/b"));
  EXPECT_FALSE(is_safe_name("a b"));
  EXPECT_FALSE(is_safe_name(std::string(kMaxNameBytes + 1, 'a')));
}

TEST(NamingTemplateTest, CalendarFieldValidation) {
  EXPECT_TRUE(has_valid_calendar_fields(time_of(2024, 2, 29, 23, 59, 60)));
  EXPECT_FALSE(has_valid_calendar_fields(time_of(2023, 2, 29, 0, 0, 0)));
  EXPECT_FALSE(has_valid_calendar_fields(time_of(0, 1, 1, 0, 0, 0)));
  EXPECT_FALSE(has_valid_calendar_fields(time_of(2026, 13, 1, 0, 0, 0)));
  EXPECT_FALSE(has_valid_calendar_fields(time_of(2026, 1, 1, 24, 0, 0)));
  EXPECT_FALSE(has_valid_calendar_fields(time_of(2026, 1, 1, 0, -1, 0)));
}

}  // namespace
}  // namespace imgsync::media
