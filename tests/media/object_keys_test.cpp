#include "media/object_keys.h"

#include <gtest/gtest.h>

#include <random>

#include "media/naming.h"

namespace imgsync::media {
namespace {

CaptureTime time_of(int year, int month, int day) {
  CaptureTime time;
  time.year = year, time.month = month, time.day = day, time.hour = 23, time.minute = 59;
  time.utc_offset_minutes = -600;  // keys use the local date even when UTC is the next day
  return time;
}

const std::string kShaA(64, 'a');
const std::string kShaB = "b1b2b3b4b5b6b7b8" + std::string(48, 'b');

TEST(ObjectKeysTest, BucketLayout) {
  auto keys = make_object_keys("", time_of(2026, 5, 3), "alps_img-0042_20260503", "CR3", ".jpg");
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_EQ(keys->raw, "raw/2026/05/03/alps_img-0042_20260503.cr3");
  EXPECT_EQ(keys->enhanced, "enhanced/2026/05/03/alps_img-0042_20260503.jpg");
  EXPECT_EQ(keys->metadata, "metadata/2026/05/03/alps_img-0042_20260503.json");
  EXPECT_EQ(keys->thumbnail, "thumbnails/2026/05/03/alps_img-0042_20260503.jpg");
}

TEST(ObjectKeysTest, PrefixAndMissingAssets) {
  auto keys = make_object_keys("/team//photos/", time_of(2026, 12, 31), "n", std::nullopt, "");
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_EQ(keys->raw, "");
  EXPECT_EQ(keys->enhanced, "team/photos/enhanced/2026/12/31/n");  // no extension, no dot
  EXPECT_EQ(keys->metadata, "team/photos/metadata/2026/12/31/n.json");
  EXPECT_EQ(keys->thumbnail, "team/photos/thumbnails/2026/12/31/n.jpg");
}

TEST(ObjectKeysTest, NormalizePrefix) {
  EXPECT_EQ(*normalize_prefix(""), "");
  EXPECT_EQ(*normalize_prefix("///"), "");
  EXPECT_EQ(*normalize_prefix("a/b.c/d_e-f/"), "a/b.c/d_e-f");
  for (std::string_view bad : {"..", "a/../b", "./a", "a\\b", "a b", "a\nb", "é", "a/b..c"}) {
    auto prefix = normalize_prefix(bad);
    EXPECT_FALSE(prefix.ok()) << bad;
    if (!prefix.ok()) {
      EXPECT_EQ(prefix.error().category, ErrorCategory::kInvalidInput);
    }
  }
  EXPECT_FALSE(normalize_prefix(std::string(kMaxPrefixBytes + 1, 'p')).ok());
}

TEST(ObjectKeysTest, RejectsUnsafeNamesAndMissingDates) {
  const auto date = time_of(2026, 5, 3);
  for (std::string_view bad : {"", "../x", "a/b", ".x", "a..b", "a\\b"}) {
    EXPECT_FALSE(object_key("", AssetFolder::kRaw, date, bad, "jpg").ok()) << bad;
  }
  auto missing = object_key("", AssetFolder::kRaw, std::nullopt, "x", "jpg");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no capture date"), std::string::npos);
  EXPECT_FALSE(object_key("", AssetFolder::kRaw, time_of(2026, 2, 30), "x", "jpg").ok());
}

TEST(ObjectKeysTest, RelativeHref) {
  EXPECT_EQ(relative_href("metadata/2026/05/03/x.json", "raw/2026/05/03/x.cr3"),
            "../../../../raw/2026/05/03/x.cr3");
  EXPECT_EQ(relative_href("p/metadata/2026/05/03/x.json", "p/catalog/catalog.json"),
            "../../../../catalog/catalog.json");
  EXPECT_EQ(relative_href("a/b/x.json", "a/b/y.json"), "y.json");
  EXPECT_EQ(relative_href("a/b/x.json", "a/c/y.json"), "../c/y.json");
  EXPECT_EQ(relative_href("x.json", "a/y.json"), "a/y.json");
  EXPECT_EQ(relative_href("a/x.json", "a"), "../a");
}

TEST(ObjectKeysCollisionTest, SameFileKeepsItsNameDifferentFileGetsHashSuffix) {
  NameRegistry registry;
  EXPECT_EQ(*registry.claim("alps_x_20260503", kShaA), "alps_x_20260503");
  EXPECT_EQ(*registry.claim("alps_x_20260503", kShaA), "alps_x_20260503");  // retry: same name
  EXPECT_EQ(*registry.claim("alps_x_20260503", kShaB), "alps_x_20260503_b1b2b3");
  EXPECT_EQ(*registry.claim("alps_x_20260503", kShaB), "alps_x_20260503_b1b2b3");  // idempotent
  EXPECT_EQ(*registry.claim("alps_x_20260503", "AAAA" + kShaA.substr(4)), "alps_x_20260503");
  EXPECT_EQ(registry.size(), 2u);
  EXPECT_EQ(registry.owner("alps_x_20260503_b1b2b3"), kShaB);
  EXPECT_EQ(registry.owner("nope"), std::nullopt);
}

TEST(ObjectKeysCollisionTest, LongerHashThenCounterWhenSuffixesAreTakenToo) {
  NameRegistry registry;
  registry.record("n", kShaA);
  registry.record("n_b1b2b3", kShaA);  // an unlucky hash6 collision
  EXPECT_EQ(*registry.claim("n", kShaB), "n_b1b2b3b4");
  NameRegistry crowded;
  crowded.record("n", kShaA);
  for (std::size_t length : {6, 8, 12, 16, 64})
    crowded.record("n_" + kShaB.substr(0, length), kShaA);
  EXPECT_EQ(*crowded.claim("n", kShaB), "n_" + kShaB + "-2");
}

TEST(ObjectKeysCollisionTest, SuffixKeepsNamesWithin200Bytes) {
  const std::string base = std::string(kMaxNameBytes - 1, 'a') + "b";
  auto name = resolve_name_collision(base, kShaB, [&](std::string_view candidate) {
    return candidate == base ? std::optional<std::string>(kShaA) : std::nullopt;
  });
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->size(), kMaxNameBytes);
  EXPECT_EQ(*name, std::string(kMaxNameBytes - 7, 'a') + "_b1b2b3");
  // A shortened base never leaves a '.' next to the suffix.
  const std::string dotted = std::string(kMaxNameBytes - 8, 'a') + ".bbbbbbb";
  auto tidy = resolve_name_collision(dotted, kShaB, [&](std::string_view candidate) {
    return candidate == dotted ? std::optional<std::string>(kShaA) : std::nullopt;
  });
  ASSERT_TRUE(tidy.ok());
  EXPECT_EQ(*tidy, std::string(kMaxNameBytes - 8, 'a') + "_b1b2b3");
}

TEST(ObjectKeysCollisionTest, RejectsBadInput) {
  NameRegistry registry;
  EXPECT_FALSE(registry.claim("a/b", kShaA).ok());
  EXPECT_FALSE(registry.claim("ok", "xyz123").ok());
  EXPECT_FALSE(registry.claim("ok", "abc").ok());
  EXPECT_EQ(registry.size(), 0u);
}

// ---- Property tests: whatever bytes come in, keys and names stay safe and deterministic ----

::testing::AssertionResult is_safe_key_independent(const std::string& key) {
  if (key.empty() || key.size() > 1024) return ::testing::AssertionFailure() << "size: " << key;
  if (key.front() == '/' || key.back() == '/') return ::testing::AssertionFailure() << key;
  if (key.find("..") != std::string::npos) return ::testing::AssertionFailure() << ".. " << key;
  if (key.find("//") != std::string::npos) return ::testing::AssertionFailure() << "// " << key;
  for (char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F || c == '\\') {
      return ::testing::AssertionFailure() << "bad byte " << int(byte) << " in " << key;
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult is_safe_name_independent(const std::string& name) {
  if (name.empty() || name.size() > 200) return ::testing::AssertionFailure() << "size " << name;
  if (name.find('/') != std::string::npos || name.find("..") != std::string::npos ||
      name.front() == '.') {
    return ::testing::AssertionFailure() << "unsafe " << name;
  }
  return is_safe_key_independent(name);
}

const std::vector<std::string> kAdversarialPieces = {"..",
                                                     "/",
                                                     "\\",
                                                     std::string(1, '\0'),
                                                     "\x01",
                                                     "\x7F",
                                                     "\r\n",
                                                     "\t",
                                                     "%2e%2e",
                                                     "~",
                                                     " ",
                                                     ".",
                                                     "\xC0\xAF",
                                                     "\xE2\x80\xAE",
                                                     "é",
                                                     "東京",
                                                     "😀",
                                                     "\xFF\xFE",
                                                     "\xC3",
                                                     "CON",
                                                     "a",
                                                     "Z",
                                                     "9",
                                                     "_",
                                                     "-",
                                                     "{slug}",
                                                     "\xCC\x81",
                                                     "ß",
                                                     std::string(300, 'x'),
                                                     "../../etc/passwd"};

std::string random_text(std::mt19937& rng) {
  std::string text;
  switch (rng() % 4) {
    case 0: {  // random bytes
      const std::size_t length = rng() % 300;
      for (std::size_t i = 0; i < length; ++i) text.push_back(static_cast<char>(rng() % 256));
      break;
    }
    case 1:  // very long
      text.assign(1000 + rng() % 5000, static_cast<char>('a' + rng() % 26));
      text += kAdversarialPieces[rng() % kAdversarialPieces.size()];
      break;
    default: {  // adversarial fragments glued together
      const std::size_t pieces = rng() % 12;
      for (std::size_t i = 0; i < pieces; ++i) {
        text += kAdversarialPieces[rng() % kAdversarialPieces.size()];
      }
    }
  }
  return text;
}

TEST(KeysPropertyTest, KeysAndNamesStaySafeAndDeterministic) {
  const std::vector<std::string> templates = {std::string(kDefaultNameTemplate),
                                              "{stem}",
                                              "{project}_{stem}_{ext}",
                                              "{slug}.{ext}",
                                              "{date:%Y.%m.%d}_{stem}",
                                              ".{stem}.",
                                              "{stem}{stem}{stem}{stem}{stem}",
                                              "{hash6}",
                                              "{time}-{slug}",
                                              "{ext}",
                                              "-{project}-"};
  const std::vector<std::string> prefixes = {"",      "/",    "photos",
                                             "/a/b/", "a//b", "x/" + std::string(300, 'y')};
  std::mt19937 rng(20260503);  // fixed seed: a failure reproduces
  NameRegistry registry;
  int keys_checked = 0;
  for (int iteration = 0; iteration < 3000; ++iteration) {
    NamingInput input;
    input.project = random_text(rng);
    input.stem = random_text(rng);
    input.extension = random_text(rng);
    CaptureTime time;
    time.year = 1 + static_cast<int>(rng() % 9999);
    time.month = 1 + static_cast<int>(rng() % 12);
    time.day = 1 + static_cast<int>(rng() % 28);
    time.hour = static_cast<int>(rng() % 24);
    input.captured_at = time;
    input.sha256.clear();
    for (int i = 0; i < 64; ++i) input.sha256.push_back("0123456789abcdef"[rng() % 16]);

    const std::string& text = templates[rng() % templates.size()];
    auto first = NameTemplate::parse(text)->render(input);
    auto second = NameTemplate::parse(text)->render(input);
    ASSERT_TRUE(first.ok()) << first.error().message;
    ASSERT_EQ(*first, *second) << "not deterministic for template " << text;
    ASSERT_TRUE(is_safe_name_independent(*first));
    ASSERT_TRUE(is_safe_name(*first)) << *first;
    ASSERT_TRUE(is_safe_name_independent(slugify(input.stem)));
    ASSERT_LE(slugify(input.stem).size(), kMaxSlugBytes);

    // Random prefixes are mostly rejected; those accepted must still give safe keys.
    const std::string prefix =
        rng() % 3 == 0 ? random_text(rng) : prefixes[rng() % prefixes.size()];
    auto claimed = registry.claim(*first, input.sha256);
    ASSERT_TRUE(claimed.ok()) << claimed.error().message;
    ASSERT_TRUE(is_safe_name_independent(*claimed));
    auto keys =
        make_object_keys(prefix, input.captured_at, *claimed, input.extension, input.extension);
    auto again =
        make_object_keys(prefix, input.captured_at, *claimed, input.extension, input.extension);
    ASSERT_EQ(keys.ok(), again.ok());
    if (!keys.ok()) continue;
    for (const auto& [key, repeat] :
         {std::pair{keys->raw, again->raw}, std::pair{keys->enhanced, again->enhanced},
          std::pair{keys->metadata, again->metadata},
          std::pair{keys->thumbnail, again->thumbnail}}) {
      ASSERT_EQ(key, repeat);
      ASSERT_TRUE(is_safe_key_independent(key));
      ASSERT_TRUE(is_safe_key(key)) << key;
      ++keys_checked;
    }
  }
  EXPECT_GT(keys_checked, 4000);
}

TEST(KeysPropertyTest, UnsafeKeysAreRecognised) {
  for (std::string_view bad : {"", "/a", "a/", "a//b", "a/../b", "a\\b", "a\nb", "..", "a/..b/c"}) {
    EXPECT_FALSE(is_safe_key(bad)) << bad;
  }
  EXPECT_FALSE(is_safe_key(std::string(kMaxKeyBytes + 1, 'k')));
  EXPECT_TRUE(is_safe_key(std::string(kMaxKeyBytes, 'k')));
}

}  // namespace
}  // namespace imgsync::media

namespace imgsync::media {
namespace {

TEST(ThumbnailKeyForItem, FollowsTheItemIntoThumbnails) {
  EXPECT_EQ(thumbnail_key_for_item("metadata/2026/05/03/alps_x_20260503.json"),
            "thumbnails/2026/05/03/alps_x_20260503.jpg");
  EXPECT_EQ(thumbnail_key_for_item("survey/b/metadata/2026/05/03/x.json"),
            "survey/b/thumbnails/2026/05/03/x.jpg");
  EXPECT_EQ(thumbnail_key_for_item("premetadata/2026/05/03/x.json"), "");
  EXPECT_EQ(thumbnail_key_for_item("raw/2026/05/03/x.json"), "");
  EXPECT_EQ(thumbnail_key_for_item("metadata/2026/05/x.json"), "");
  EXPECT_EQ(thumbnail_key_for_item("metadata/2026/05/03/x.jpg"), "");
  EXPECT_EQ(thumbnail_key_for_item(""), "");
}

}  // namespace
}  // namespace imgsync::media
