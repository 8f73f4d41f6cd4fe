// Public galleries on the real server: only gallery/ is public, every image shows in Chromium,
// the originals and Items stay private, and no byte of the page or of any file it links holds
// the position of a geotagged source: not for a source whose sidecar nulls the position (the
// Item has none, the JPEG does), not for a geotagged enhanced file paired with a raw without
// GPS. A private publish over the public gallery leaves it untouched.
#include <fmt/format.h>

#include <set>

#include "gallery_fixture.h"
#include "media/metadata_extractor.h"

namespace imgsync::testing {
namespace {

class PublicGalleryTest : public GalleryTest {
 protected:
  void SetUp() override {
    GalleryTest::SetUp();
    if (HasFatalFailure()) return;
    const auto samples = source_dir() / "samples";
    // A geotagged JPEG whose sidecar removes the position from its Item (not from its bytes).
    write_file(photos() / "nulled.jpg", read_file(samples / "DSCN0010.jpg"));
    write_file(photos() / "nulled.json", R"({"gps": null})");
    // A geotagged enhanced export of a raw capture without GPS.
    write_file(raws() / "paired.jpg", read_file(samples / "Landscape_6.jpg"));
    write_file(photos() / "paired.jpg", read_file(samples / "DSCN0025.jpg"));
    auto synced = imgsync({"sync", photos().string(), "--raw", raws().string(), "--to",
                           destination(), "--state-dir", state().string(), "--json"});
    ASSERT_EQ(synced.exit_code, 0) << synced.err;
    load_items();
    ASSERT_EQ(items_.size(), 9u);
  }

  std::filesystem::path raws() const { return scratch_.path() / "raws"; }

  // The positions the sources' own bytes hold, as text a page or file could carry them in.
  std::vector<std::string> source_positions() {
    std::vector<std::string> texts;
    for (const auto& folder : {photos(), raws()}) {
      for (const auto& entry : std::filesystem::directory_iterator(folder)) {
        if (entry.path().extension() != ".jpg") continue;
        auto metadata = media::extract_embedded_metadata(read_file(entry.path()));
        if (!metadata.ok() || !metadata->gps) continue;
        for (double degrees : {metadata->gps->latitude, metadata->gps->longitude}) {
          texts.push_back(fmt::format("{:.3f}", degrees));
          texts.push_back(fmt::format("{:.3f}", degrees).substr(0, 5));
        }
      }
    }
    return texts;
  }
};

TEST_F(PublicGalleryTest, OnlyGalleryIsPublicEveryImageShowsAndNoPositionLeaks) {
  const auto positions = source_positions();
  ASSERT_GE(positions.size(), 4u * 6) << "the samples hold geotagged sources";
  // gallery/ alone is made public: all a public gallery needs.
  auto init = imgsync({"init", "--to", destination(), "--public-prefix", "gallery/"});
  ASSERT_EQ(init.exit_code, 0) << init.err << init.out;
  auto published = publish({"--public", "--title", "Field <survey> & co"});
  ASSERT_EQ(published.exit_code, 0) << published.err << published.out;
  auto report = nlohmann::json::parse(published.out);
  EXPECT_EQ(report["images"], 9);
  EXPECT_EQ(report["strip_gps"], true);
  const std::string url = report["url"];
  EXPECT_EQ(url.find('?'), std::string::npos) << "a public gallery needs no signature";
  EXPECT_EQ(anonymous_status(url), 200);

  // The originals and Items stay private.
  for (const std::string folder : {"raw/", "enhanced/", "metadata/", "thumbnails/"}) {
    auto listed = client().list_all_objects(bucket(), "field/" + folder);
    ASSERT_TRUE(listed.ok());
    ASSERT_FALSE(listed->empty()) << folder;
    for (const auto& object : *listed) {
      EXPECT_EQ(anonymous_status(plain_url(object.key)), 403) << object.key;
    }
  }

  // No position in the page, and none in any file it links (each fetched as a visitor would).
  auto page = anonymous_get(url);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<title>Field &lt;survey&gt; &amp; co</title>"), std::string::npos);
  for (const auto& position : positions) {
    EXPECT_EQ(page.body.find(position), std::string::npos) << position;
  }
  EXPECT_EQ(page.body.find("metadata/"), std::string::npos) << "Items hold positions";
  const auto data = page_data(page.body);
  ASSERT_EQ(data["items"].size(), 9u);
  const std::string base = url.substr(0, url.rfind('/') + 1);
  int files = 0;
  for (const auto& item : data["items"]) {
    EXPECT_FALSE(item.contains("lat")) << item.dump();
    EXPECT_FALSE(item.contains("raw")) << item.dump();
    EXPECT_FALSE(item.contains("item")) << item.dump();
    for (const char* link : {"thumb", "full"}) {
      ASSERT_TRUE(item.contains(link)) << item.dump();
      const std::string href = item[link];
      EXPECT_EQ(href.find(".."), std::string::npos) << "only gallery/ is linked: " << href;
      auto file = anonymous_get(base + href);
      ASSERT_EQ(file.status, 200) << href;
      ++files;
      auto metadata = media::extract_embedded_metadata(file.body);
      ASSERT_TRUE(metadata.ok()) << href;
      EXPECT_EQ(metadata->mime, "image/webp") << href;
      EXPECT_FALSE(metadata->gps.has_value()) << href;
      EXPECT_EQ(file.body.find("EXIF"), std::string::npos) << href;
      EXPECT_EQ(file.body.find("Exif"), std::string::npos) << href;
      for (const auto& position : positions) {
        EXPECT_EQ(file.body.find(position), std::string::npos) << href;
      }
      const int edge = long_edge(file.body);
      EXPECT_GT(edge, 0) << href;
      EXPECT_LE(edge, std::string(link) == "full" ? 2048 : 512) << href;
    }
  }
  EXPECT_EQ(files, 18);

  // Every image shows in Chromium, without a map or a position.
  auto seen = browse(url, "public", "2008-10-22", "2008-10-22");
  EXPECT_EQ(seen["status"], 200);
  EXPECT_EQ(seen["title"], "Field <survey> & co");
  EXPECT_EQ(seen["cards"], 9);
  EXPECT_EQ(seen["thumbnails_loaded"], 9) << "every thumbnail loads anonymously";
  EXPECT_EQ(seen["shown_after_filter"], captured_between("2008-10-22", "2008-10-22"));
  EXPECT_FALSE(seen["map_visible"]);
  EXPECT_TRUE(seen["blocked"].empty()) << "no map, no tiles";
  EXPECT_FALSE(seen["detail_rows"].contains("Position"));
  EXPECT_TRUE(seen["alerts"].empty()) << seen["alerts"].dump();
  ASSERT_EQ(seen["detail_links"].size(), 1u) << "the full-size copy, nothing else";
  EXPECT_EQ(anonymous_status(seen["detail_links"][0]["href"]), 200);

  // A private publish over it is refused before it writes anything: the public page stays.
  auto leaked = publish({"--private"});
  EXPECT_EQ(leaked.exit_code, 2) << leaked.err;
  EXPECT_NE(leaked.err.find("readable by anyone"), std::string::npos) << leaked.err;
  EXPECT_NE(leaked.err.find("nothing was written"), std::string::npos) << leaked.err;
  auto after = anonymous_get(url);
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, page.body);

  // Re-publishing a narrower filter removes the copies of what left it.
  auto narrower = publish({"--public", "--filter", "--camera kodak"});
  ASSERT_EQ(narrower.exit_code, 0) << narrower.err;
  auto narrow = nlohmann::json::parse(narrower.out);
  EXPECT_EQ(narrow["images"], 1);
  EXPECT_EQ(narrow["removed"], 16);
  auto copies = client().list_all_objects(bucket(), "field/gallery/");
  ASSERT_TRUE(copies.ok());
  EXPECT_EQ(copies->size(), 3u) << "index.html, one image, one thumbnail";
}

TEST_F(PublicGalleryTest, PublicOriginalsAreRefusedUnlessAllowed) {
  auto init = imgsync({"init", "--to", destination(), "--public-prefix", "gallery/",
                       "--public-prefix", "enhanced/"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  auto refused = publish({"--public"});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("field/enhanced/"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--public-prefix gallery/'"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--allow-public-originals"), std::string::npos) << refused.err;
  EXPECT_FALSE(client().head_object(bucket(), "field/gallery/index.html").ok())
      << "nothing written";
  auto allowed = publish({"--public", "--allow-public-originals", "--image-size", "300"});
  ASSERT_EQ(allowed.exit_code, 0) << allowed.err;
  auto listed = client().list_all_objects(bucket(), "field/gallery/images/");
  ASSERT_TRUE(listed.ok());
  ASSERT_FALSE(listed->empty());
  auto image = client().get_object({bucket(), listed->front().key, {}, {}});
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(long_edge(image->body), 300) << "every sample is larger than 300 px";
  auto bad_size = publish({"--public", "--image-size", "10"});
  EXPECT_EQ(bad_size.exit_code, 2);
  EXPECT_NE(bad_size.err.find("--image-size"), std::string::npos) << bad_size.err;
}

}  // namespace
}  // namespace imgsync::testing
