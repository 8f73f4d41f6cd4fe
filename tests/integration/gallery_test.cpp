// `imgsync publish`: private galleries, filters and mistakes (gallery_fixture.h). Public
// galleries: gallery_public_test.cpp; hostile Items and keys: gallery_hostile_test.cpp.
#include "gallery_fixture.h"

namespace imgsync::testing {
namespace {

TEST_F(GalleryTest, PrivateGalleryOpensThroughItsPresignedLinkWithMapAndPositions) {
  auto published = publish({"--private", "--expires", "2h"});
  ASSERT_EQ(published.exit_code, 0) << published.err << published.out;
  auto report = nlohmann::json::parse(published.out);
  EXPECT_EQ(report["images"], 7);
  EXPECT_EQ(report["strip_gps"], false);
  const std::string url = report["url"];
  EXPECT_NE(url.find("X-Amz-Expires=7200"), std::string::npos) << url;
  // The page itself is private.
  EXPECT_EQ(anonymous_status(url.substr(0, url.find('?'))), 403);

  const std::string from = "2008-01-01", to = "2008-12-31";
  ASSERT_GT(captured_between(from, to), 0);
  ASSERT_LT(captured_between(from, to), 7) << "the filter must narrow something";
  auto seen = browse(url, "private", from, to);
  EXPECT_EQ(seen["status"], 200);
  EXPECT_EQ(seen["cards"], 7);
  EXPECT_EQ(seen["shown"], 7);
  EXPECT_GT(seen["first_thumbnail_width"], 0) << "the thumbnail loaded through its presigned URL";
  EXPECT_EQ(seen["shown_after_filter"], captured_between(from, to));
  EXPECT_EQ(seen["visible_cards_after_filter"], captured_between(from, to));
  ASSERT_GT(located(), 0);
  EXPECT_TRUE(seen["map_visible"]);
  EXPECT_EQ(seen["map_markers"], located());
  // The detail view shows the capture time of the image it is about, and its links work.
  const std::string id = seen["detail_id"];
  EXPECT_EQ(seen["detail_title"], id);
  for (const auto& item : items_) {
    if (item["id"] != id) continue;
    std::string local = item["properties"]["imgsync:local_datetime"];
    local[10] = ' ';
    EXPECT_EQ(seen["detail_rows"]["Captured"].get<std::string>().substr(0, 19),
              local.substr(0, 19));
    EXPECT_EQ(seen["detail_rows"].contains("Position"), !item["geometry"].is_null());
  }
  ASSERT_FALSE(seen["detail_links"].empty());
  for (const auto& link : seen["detail_links"]) {
    EXPECT_NE(link["href"].get<std::string>().find("X-Amz-Signature="), std::string::npos);
    EXPECT_EQ(anonymous_status(link["href"]), 200) << link["text"];
  }
}

TEST_F(GalleryTest, FilterSelectsItemsAndMistakesAreNamed) {
  auto published = publish({"--private", "--filter", "--camera kodak"});
  ASSERT_EQ(published.exit_code, 0) << published.err;
  EXPECT_EQ(nlohmann::json::parse(published.out)["images"], 1);
  auto page = client().get_object({bucket(), "field/gallery/index.html", {}, {}});
  ASSERT_TRUE(page.ok());
  EXPECT_NE(page->body.find("imgsync_kodak-cx7530_20050813"), std::string::npos);
  EXPECT_EQ(page->body.find("dscn0010"), std::string::npos);

  auto unknown = publish({"--filter", "--colour red"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("--filter"), std::string::npos) << unknown.err;
  auto bad_date = publish({"--filter", "--from yesterday"});
  EXPECT_EQ(bad_date.exit_code, 2);
  EXPECT_NE(bad_date.err.find("--from"), std::string::npos) << bad_date.err;
  auto nothing = publish({"--filter", "--camera hasselblad"});
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_NE(nothing.err.find("no Item matches"), std::string::npos) << nothing.err;
  auto both = publish({"--public", "--private"});
  EXPECT_EQ(both.exit_code, 2);
  auto strip_both = publish({"--strip-gps", "--no-strip-gps"});
  EXPECT_EQ(strip_both.exit_code, 2);
  EXPECT_NE(strip_both.err.find("exclude each other"), std::string::npos) << strip_both.err;
  // The public prefixes a public gallery needs: an empty or climbing one is refused up front.
  for (const std::string prefix : {"", "../raw/"}) {
    auto init = imgsync({"init", "--to", destination(), "--public-prefix", prefix});
    EXPECT_EQ(init.exit_code, 2) << prefix;
    EXPECT_NE(init.err.find("--public-prefix"), std::string::npos) << init.err;
  }
  auto too_long = publish({"--expires", "30d"});
  EXPECT_EQ(too_long.exit_code, 2);
  EXPECT_NE(too_long.err.find("7 days"), std::string::npos) << too_long.err;
}

}  // namespace
}  // namespace imgsync::testing
