#include "app/gallery_page.h"

#include <gtest/gtest.h>

#include "app/gallery_service.h"

namespace imgsync::app {
namespace {

using nlohmann::json;

// The page's data block, parsed back the way the page's script does.
json data_of(const std::string& page) {
  const std::string open = "<script id=\"gallery-data\" type=\"application/json\">";
  const auto start = page.find(open);
  EXPECT_NE(start, std::string::npos);
  const auto end = page.find("</script>", start);
  return json::parse(page.substr(start + open.size(), end - start - open.size()));
}

TEST(GalleryPage, DataCannotEndItsScriptElement) {
  const json items =
      json::array({{{"id", "x</script><script>alert(1)</script>"}, {"tags", {"<!--", "a&b"}}}});
  const std::string page = render_gallery_page("t", items);
  // The only "</script>" closings are the template's own three.
  int closings = 0;
  for (auto at = page.find("</script>"); at != std::string::npos;
       at = page.find("</script>", at + 1)) {
    ++closings;
  }
  EXPECT_EQ(closings, 3);
  EXPECT_EQ(page.find("<!--\""), std::string::npos);
  const json data = data_of(page);
  EXPECT_EQ(data["items"][0]["id"], "x</script><script>alert(1)</script>");
  EXPECT_EQ(data["items"][0]["tags"][0], "<!--");
}

TEST(GalleryPage, TitleIsEscapedAndLeafletIsInside) {
  const std::string page = render_gallery_page("A <b> & \"c\"", json::array());
  EXPECT_NE(page.find("<title>A &lt;b&gt; &amp; &quot;c&quot;</title>"), std::string::npos);
  EXPECT_EQ(data_of(page)["title"], "A <b> & \"c\"");
  EXPECT_NE(page.find("Leaflet 1.9.4"), std::string::npos) << "Leaflet is embedded";
  EXPECT_NE(page.find(".leaflet-container"), std::string::npos) << "its CSS too";
  EXPECT_EQ(page.find("/*IMGSYNC_"), std::string::npos) << "every placeholder filled";
  // Nothing loaded from elsewhere but the map tiles.
  EXPECT_EQ(page.find("<script src="), std::string::npos);
  EXPECT_EQ(page.find("<link rel=\"stylesheet\""), std::string::npos);
}

catalog::SearchHit located_hit() {
  catalog::SearchHit hit;
  hit.id = "p_a_20260503";
  hit.item_key = "p/metadata/2026/05/03/p_a_20260503.json";
  hit.enhanced_key = "p/enhanced/2026/05/03/p_a_20260503.jpg";
  hit.raw_key = "p/raw/2026/05/03/p_a_20260503.cr3";
  hit.thumbnail_key = "p/thumbnails/2026/05/03/p_a_20260503.webp";
  hit.latitude = 47.37;
  hit.longitude = 8.54;
  hit.make = "Canon";
  hit.model = "Canon EOS R6";
  hit.item_json = json{{"properties",
                        {{"imgsync:local_datetime", "2026-05-03T14:30:15"},
                         {"imgsync:utc_offset", "+02:00"},
                         {"datetime", "2026-05-03T12:30:15Z"},
                         {"keywords", {"survey", "alps"}}}}}
                      .dump();
  return hit;
}

Result<std::string> key_as_link(const std::string& key) {
  return "L:" + key;
}

TEST(GalleryEntries, PrivateGalleryLinksEverythingWithPositions) {
  GalleryOptions options;
  int withheld = 0;
  auto entries = gallery_entries({located_hit()}, options, key_as_link, &withheld);
  ASSERT_TRUE(entries.ok());
  const json& entry = (*entries)[0];
  EXPECT_EQ(entry["camera"], "Canon EOS R6");
  EXPECT_EQ(entry["local"], "2026-05-03T14:30:15");
  EXPECT_EQ(entry["offset"], "+02:00");
  EXPECT_EQ(entry["tags"], json({"survey", "alps"}));
  EXPECT_EQ(entry["lat"], 47.37);
  EXPECT_EQ(entry["thumb"], "L:p/thumbnails/2026/05/03/p_a_20260503.webp");
  EXPECT_EQ(entry["full"], "L:p/enhanced/2026/05/03/p_a_20260503.jpg");
  EXPECT_EQ(entry["raw"], "L:p/raw/2026/05/03/p_a_20260503.cr3");
  EXPECT_EQ(entry["item"], "L:p/metadata/2026/05/03/p_a_20260503.json");
  EXPECT_EQ(withheld, 0);
}

TEST(GalleryEntries, CameraNamesDoNotRepeatTheMake) {
  auto camera = [](const std::string& make, const std::string& model) {
    auto hit = located_hit();
    hit.make = make;
    hit.model = model;
    auto entries = gallery_entries({hit}, GalleryOptions{}, key_as_link);
    EXPECT_TRUE(entries.ok());
    return entries.ok() ? (*entries)[0]["camera"].get<std::string>() : "";
  };
  EXPECT_EQ(camera("EASTMAN KODAK COMPANY", "KODAK CX7530 ZOOM DIGITAL CAMERA"),
            "KODAK CX7530 ZOOM DIGITAL CAMERA");
  EXPECT_EQ(camera("NIKON", "COOLPIX P6000"), "NIKON COOLPIX P6000");
  EXPECT_EQ(camera("DJI", "FC3411"), "DJI FC3411");
  EXPECT_EQ(camera("", "FC3411"), "FC3411");
  EXPECT_EQ(camera("Apple", ""), "Apple");
}

TEST(GalleryEntries, StrippedGalleryHasNoPositionAnywhere) {
  GalleryOptions options;
  options.strip_gps = true;
  int withheld = 0;
  auto entries = gallery_entries({located_hit()}, options, key_as_link, &withheld);
  ASSERT_TRUE(entries.ok());
  const json& entry = (*entries)[0];
  EXPECT_FALSE(entry.contains("lat"));
  EXPECT_FALSE(entry.contains("lon"));
  EXPECT_FALSE(entry.contains("item")) << "Items carry the position";
  EXPECT_FALSE(entry.contains("full")) << "the original's EXIF carries the position";
  EXPECT_FALSE(entry.contains("raw"));
  EXPECT_TRUE(entry.contains("thumb"));
  EXPECT_TRUE(entry.contains("withheld"));
  EXPECT_EQ(withheld, 1);
  EXPECT_EQ(entry.dump().find("47.37"), std::string::npos);
  // Without a position, nothing needs withholding.
  auto unlocated = located_hit();
  unlocated.latitude.reset();
  unlocated.longitude.reset();
  auto plain = gallery_entries({unlocated}, options, key_as_link, &withheld);
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE((*plain)[0].contains("full"));
  EXPECT_EQ(withheld, 1);
}

TEST(GalleryEntries, ALinkThatCannotBeMadeFailsTheGallery) {
  auto entries = gallery_entries({located_hit()}, GalleryOptions{},
                                 [](const std::string&) -> Result<std::string> {
                                   return make_error(ErrorCategory::kAuth, "no credentials");
                                 });
  ASSERT_FALSE(entries.ok());
  EXPECT_EQ(entries.error().message, "no credentials");
}

}  // namespace
}  // namespace imgsync::app
