#include "media/capture_pairing.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "media/naming.h"

namespace imgsync::media {
namespace {

CaptureFile file(FileRole role, std::string path, int day = 3) {
  CaptureFile candidate;
  candidate.role = role;
  candidate.metadata.path = std::move(path);
  CaptureTime time;
  time.year = 2026, time.month = 5, time.day = day;
  candidate.metadata.captured_at = time;
  candidate.metadata.sha256 = std::string(64, 'a');
  return candidate;
}
CaptureFile raw(std::string path, int day = 3) {
  return file(FileRole::kRaw, std::move(path), day);
}
CaptureFile enhanced(std::string path, int day = 3) {
  return file(FileRole::kEnhanced, std::move(path), day);
}

std::string describe(const Capture& capture) {
  return (capture.raw ? capture.raw->path : "-") + " + " +
         (capture.enhanced ? capture.enhanced->path : "-");
}

std::vector<std::string> describe(const std::vector<Capture>& captures) {
  std::vector<std::string> out;
  for (const Capture& capture : captures) out.push_back(describe(capture));
  return out;
}

TEST(CapturePairingTest, PairsBySuffixStrippedStemCaseInsensitively) {
  const auto captures = pair_captures(
      {raw("/in/IMG_0042.CR3"), enhanced("/out/img_0042_Enhanced.jpg"), raw("/in/IMG_0043.CR3"),
       enhanced("/out/IMG_0043-edit.tif"), raw("/in/IMG_0044.NEF"),
       enhanced("/out/IMG_0044_proc.jpg"), raw("/in/IMG_0045.DNG"), enhanced("/out/IMG_0045.jpg")});
  EXPECT_EQ(describe(captures),
            (std::vector<std::string>{"/in/IMG_0042.CR3 + /out/img_0042_Enhanced.jpg",
                                      "/in/IMG_0043.CR3 + /out/IMG_0043-edit.tif",
                                      "/in/IMG_0044.NEF + /out/IMG_0044_proc.jpg",
                                      "/in/IMG_0045.DNG + /out/IMG_0045.jpg"}));
}

TEST(CapturePairingTest, PrimaryIsTheRawWhenPresent) {
  const auto captures = pair_captures({enhanced("/out/a_enhanced.jpg", 9), raw("/in/a.cr3", 3),
                                       enhanced("/out/b_enhanced.jpg", 9)});
  ASSERT_EQ(captures.size(), 2u);
  EXPECT_EQ(captures[0].primary().path, "/in/a.cr3");
  EXPECT_EQ(captures[0].primary().captured_at->day, 3);
  EXPECT_EQ(captures[1].primary().path, "/out/b_enhanced.jpg");
  EXPECT_FALSE(captures[1].raw.has_value());
}

TEST(CapturePairingTest, PairSharesOneNameFromTheRaw) {
  const auto captures = pair_captures({raw("/in/Sunset.CR3"), enhanced("/out/Sunset_edit.jpg")});
  ASSERT_EQ(captures.size(), 1u);
  auto name =
      NameTemplate::default_template().render(naming_input_from(captures[0].primary(), "p"));
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(*name, "p_sunset_20260503");
}

TEST(CapturePairingTest, SuffixListIsConfigurable) {
  PairingRule rule;
  rule.enhanced_suffixes = {".final"};
  EXPECT_EQ(pair_captures({raw("a.cr3"), enhanced("A.FINAL.jpg")}, rule).size(), 1u);
  EXPECT_EQ(pair_captures({raw("a.cr3"), enhanced("a_enhanced.jpg")}, rule).size(), 2u);
  rule.enhanced_suffixes.clear();
  EXPECT_EQ(pair_captures({raw("a.cr3"), enhanced("a.jpg")}, rule).size(), 1u);
  EXPECT_EQ(pairing_key("x/Foo_Edited.JPG", FileRole::kEnhanced), "foo");
  EXPECT_EQ(pairing_key("x/Foo_Edited.JPG", FileRole::kRaw), "foo_edited");
  EXPECT_EQ(pairing_key("_edit.jpg", FileRole::kEnhanced), "_edit");  // never strip to nothing
}

TEST(CapturePairingTest, OnlyOneSuffixIsStripped) {
  EXPECT_EQ(pair_captures({raw("a.cr3"), enhanced("a_edit_edit.jpg")}).size(), 2u);
}

TEST(CapturePairingTest, AmbiguousStemsPairOnlyWithinAFolder) {
  // Two cameras both wrote IMG_0001; each folder holds its own pair.
  const auto captures =
      pair_captures({raw("/card/100CANON/IMG_0001.CR3"), raw("/card/101CANON/IMG_0001.CR3"),
                     enhanced("/card/100CANON/IMG_0001_enhanced.jpg"),
                     enhanced("/card/101CANON/IMG_0001_enhanced.jpg")});
  EXPECT_EQ(describe(captures),
            (std::vector<std::string>{
                "/card/100CANON/IMG_0001.CR3 + /card/100CANON/IMG_0001_enhanced.jpg",
                "/card/101CANON/IMG_0001.CR3 + /card/101CANON/IMG_0001_enhanced.jpg"}));
  // Two raws and one enhanced in other folders: no guessing, every file stands alone.
  const auto alone = pair_captures({raw("/a/x.cr3"), raw("/b/x.cr3"), enhanced("/c/x_edit.jpg")});
  EXPECT_EQ(alone.size(), 3u);
  // Two raws never merge, even with one stem in one folder (x.CR3 and x.dng).
  EXPECT_EQ(pair_captures({raw("/a/x.CR3"), raw("/a/x.dng")}).size(), 2u);
}

TEST(CapturePairingTest, DuplicatesCountOnceAndOrderDoesNotMatter) {
  std::vector<CaptureFile> files = {raw("/in/b.cr3"), enhanced("/out/a_edit.jpg"), raw("/in/a.cr3"),
                                    raw("/in/b.cr3"), enhanced("/out/c.jpg")};
  const auto expected = describe(pair_captures(files));
  EXPECT_EQ(expected, (std::vector<std::string>{"/in/a.cr3 + /out/a_edit.jpg", "/in/b.cr3 + -",
                                                "- + /out/c.jpg"}));
  std::sort(files.begin(), files.end(), [](const CaptureFile& a, const CaptureFile& b) {
    return a.metadata.path > b.metadata.path;
  });
  EXPECT_EQ(describe(pair_captures(files)), expected);
  std::rotate(files.begin(), files.begin() + 2, files.end());
  EXPECT_EQ(describe(pair_captures(files)), expected);
}

TEST(CapturePairingTest, EmptyInput) {
  EXPECT_TRUE(pair_captures({}).empty());
}

}  // namespace
}  // namespace imgsync::media
