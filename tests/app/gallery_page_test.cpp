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

// gallery_entries for one hit linked as a private gallery without strip_gps links it.
Result<json> entries_of(const catalog::SearchHit& hit, const GalleryOptions& options = {}) {
  return gallery_entries({hit}, {original_links(hit)}, options, key_as_link);
}

TEST(GalleryEntries, PrivateGalleryLinksEverythingWithPositions) {
  auto entries = entries_of(located_hit());
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
}

TEST(GalleryEntries, CameraNamesDoNotRepeatTheMake) {
  auto camera = [](const std::string& make, const std::string& model) {
    auto hit = located_hit();
    hit.make = make;
    hit.model = model;
    auto entries = entries_of(hit);
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
  EXPECT_TRUE(gallery_uses_copies(options));
  const auto hit = located_hit();
  // The copies' links carry the Item's position along; strip_gps drops it whatever they say.
  const GalleryLinks copies{.thumb = "p/gallery/thumbs/a.webp",
                            .full = "p/gallery/images/a.webp",
                            .latitude = 47.37,
                            .longitude = 8.54};
  auto entries = gallery_entries({hit}, {copies}, options, key_as_link);
  ASSERT_TRUE(entries.ok());
  const json& entry = (*entries)[0];
  EXPECT_FALSE(entry.contains("lat"));
  EXPECT_FALSE(entry.contains("lon"));
  EXPECT_FALSE(entry.contains("item")) << "Items carry the position";
  EXPECT_FALSE(entry.contains("raw"));
  EXPECT_EQ(entry["thumb"], "L:p/gallery/thumbs/a.webp");
  EXPECT_EQ(entry["full"], "L:p/gallery/images/a.webp");
  EXPECT_EQ(entry.dump().find("47.37"), std::string::npos);
  // Even links to originals lose their Item under strip_gps.
  auto originals = entries_of(hit, options);
  ASSERT_TRUE(originals.ok());
  EXPECT_FALSE((*originals)[0].contains("item"));
  EXPECT_FALSE((*originals)[0].contains("lat"));
}

TEST(GalleryEntries, PublicAndStrippedGalleriesUseCopiesOnly) {
  EXPECT_FALSE(gallery_uses_copies(GalleryOptions{}));
  GalleryOptions options;
  options.is_public = true;
  EXPECT_TRUE(gallery_uses_copies(options));
}

TEST(GalleryEntries, HostileStringsStayDataInThePage) {
  auto hit = located_hit();
  hit.id = "x</script><script>alert(1)</script>";
  hit.make = "<img src=x onerror=alert(2)>";
  hit.item_json = json{{"properties",
                        {{"imgsync:lens", "<b onmouseover=alert(3)>"},
                         {"keywords", {"<svg onload=alert(4)>", 7, nullptr}}}}}
                      .dump();
  auto entries = entries_of(hit);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ((*entries)[0]["tags"], json({"<svg onload=alert(4)>"})) << "only strings are tags";
  const std::string page = render_gallery_page("<script>alert(5)</script>", *entries);
  // Outside the data block no hostile markup appears; inside it, the strings survive intact.
  EXPECT_EQ(page.find("<script>alert"), std::string::npos);
  EXPECT_EQ(page.find("<img src=x"), std::string::npos);
  const json data = data_of(page);
  EXPECT_EQ(data["items"][0]["id"], hit.id);
  EXPECT_EQ(data["items"][0]["camera"], hit.make + " Canon EOS R6");
  EXPECT_EQ(data["title"], "<script>alert(5)</script>");
}

TEST(GalleryEntries, ALinkThatCannotBeMadeFailsTheGallery) {
  const auto hit = located_hit();
  auto entries = gallery_entries({hit}, {original_links(hit)}, GalleryOptions{},
                                 [](const std::string&) -> Result<std::string> {
                                   return make_error(ErrorCategory::kAuth, "no credentials");
                                 });
  ASSERT_FALSE(entries.ok());
  EXPECT_EQ(entries.error().message, "no credentials");
}

}  // namespace
}  // namespace imgsync::app
