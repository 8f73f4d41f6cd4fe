// `imgsync publish`: the gallery is built from the real index, uploaded to the real server and
// opened in Debian's headless Chromium (tests/tools/gallery-check.mjs, playwright-core). No
// request leaves loopback: the page's map tiles are aborted, and the page must work without them.
// Screenshots: build/gallery-screenshots/.
#include <gtest/gtest.h>

#include <curl/curl.h>

#include "imgsync_cli_fixture.h"

namespace imgsync::testing {
namespace {

class GalleryTest : public ImgsyncCliTest {
 protected:
  void SetUp() override {
    ImgsyncCliTest::SetUp();
    for (const auto& entry : std::filesystem::directory_iterator(source_dir() / "samples")) {
      if (entry.path().extension() == ".jpg") {
        write_file(photos() / entry.path().filename(), read_file(entry.path()));
      }
    }
    auto synced = imgsync({"sync", photos().string(), "--to", destination(), "--state-dir",
                           state().string(), "--json"});
    ASSERT_EQ(synced.exit_code, 0) << synced.err;
    auto listed = client().list_all_objects(bucket(), "field/metadata/");
    ASSERT_TRUE(listed.ok());
    for (const auto& object : *listed) {
      auto item = client().get_object({bucket(), object.key, {}, {}});
      ASSERT_TRUE(item.ok());
      items_.push_back(nlohmann::json::parse(item->body));
    }
    ASSERT_EQ(items_.size(), 7u);
  }

  std::filesystem::path photos() const { return scratch_.path() / "photos"; }
  std::filesystem::path state() const { return scratch_.path() / "state"; }
  std::string destination() const { return "s3://" + bucket() + "/field"; }

  ProcessResult publish(std::vector<std::string> extra) {
    std::vector<std::string> args{"publish",     "--destination",  destination(),
                                  "--state-dir", state().string(), "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return imgsync(args);
  }

  // What Chromium shows at `url`; --from/--to applied after the first look.
  nlohmann::json browse(const std::string& url, const std::string& name, const std::string& from,
                        const std::string& to) {
    const auto shots = binary_dir() / "gallery-screenshots";
    std::filesystem::create_directories(shots);
    auto run = run_process(
        "/usr/bin/node",
        {(source_dir() / "tests/tools/gallery-check.mjs").string(), "--url", url, "--screenshot",
         (shots / (name + ".png")).string(), "--from", from, "--to", to},
        {{"HOME", home_.path().string()}});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    auto result = nlohmann::json::parse(run.out, nullptr, false);
    EXPECT_FALSE(result.is_discarded()) << run.out << run.err;
    if (result.is_discarded()) return nlohmann::json::object();
    EXPECT_FALSE(result.contains("error")) << result.dump();
    EXPECT_TRUE(std::filesystem::exists(shots / (name + ".png")));
    // Nothing left loopback: whatever tried (map tiles) was aborted, and only that.
    for (const auto& blocked : result["blocked"]) {
      EXPECT_EQ(blocked.get<std::string>().rfind("https://tile.openstreetmap.org/", 0), 0u)
          << blocked;
    }
    EXPECT_TRUE(result["console_errors"].empty()) << result["console_errors"].dump();
    return result;
  }

  // How many Items were captured (local calendar date) within [from, to].
  int captured_between(const std::string& from, const std::string& to) const {
    int count = 0;
    for (const auto& item : items_) {
      const std::string day =
          item["properties"]["imgsync:local_datetime"].get<std::string>().substr(0, 10);
      if (day >= from && day <= to) ++count;
    }
    return count;
  }
  int located() const {
    int count = 0;
    for (const auto& item : items_) count += item["geometry"].is_null() ? 0 : 1;
    return count;
  }

  // GET, as a browser does (a presigned GET URL is not valid for HEAD).
  static int anonymous_status(const std::string& url) {
    CURL* curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(
        curl, CURLOPT_WRITEFUNCTION,
        +[](char*, size_t size, size_t count, void*) { return size * count; });
    long status = 0;
    if (curl_easy_perform(curl) == CURLE_OK) {
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_easy_cleanup(curl);
    return static_cast<int>(status);
  }

  std::vector<nlohmann::json> items_;
  ScratchDir scratch_{"imgsync-gallery"};
};

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

TEST_F(GalleryTest, PublicGalleryStripsPositionsAndNeedsThePublicPrefixes) {
  // Not public yet: the gallery is uploaded, and the command says how to open it up.
  auto closed = publish({"--public"});
  EXPECT_EQ(closed.exit_code, 1) << closed.err;
  EXPECT_NE(closed.err.find("--public-prefix gallery/"), std::string::npos) << closed.err;

  auto init = imgsync({"init", "--to", destination(), "--public-prefix", "gallery/",
                       "--public-prefix", "thumbnails/", "--public-prefix", "enhanced/"});
  ASSERT_EQ(init.exit_code, 0) << init.err << init.out;
  auto published = publish({"--public", "--title", "Field <survey> & co"});
  ASSERT_EQ(published.exit_code, 0) << published.err << published.out;
  auto report = nlohmann::json::parse(published.out);
  EXPECT_EQ(report["strip_gps"], true);
  EXPECT_EQ(report["withheld"], located());
  const std::string url = report["url"];
  EXPECT_EQ(url.find('?'), std::string::npos) << "a public gallery needs no signature";
  EXPECT_EQ(anonymous_status(url), 200);

  // No position anywhere in the page.
  auto page = client().get_object({bucket(), "field/gallery/index.html", {}, {}});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->info.content_type, "text/html; charset=utf-8");
  for (const auto& item : items_) {
    if (item["geometry"].is_null()) continue;
    const auto coordinates = item["geometry"]["coordinates"];
    const std::string latitude = std::to_string(coordinates[1].get<double>()).substr(0, 6);
    EXPECT_EQ(page->body.find(latitude), std::string::npos) << latitude;
  }
  EXPECT_EQ(page->body.find("metadata/"), std::string::npos) << "Items hold positions";
  EXPECT_NE(page->body.find("<title>Field &lt;survey&gt; &amp; co</title>"), std::string::npos);

  auto seen = browse(url, "public", "2008-10-22", "2008-10-22");
  EXPECT_EQ(seen["status"], 200);
  EXPECT_EQ(seen["title"], "Field <survey> & co");
  EXPECT_EQ(seen["cards"], 7);
  EXPECT_GT(seen["first_thumbnail_width"], 0) << "the thumbnail loaded anonymously";
  EXPECT_EQ(seen["shown_after_filter"], captured_between("2008-10-22", "2008-10-22"));
  EXPECT_FALSE(seen["map_visible"]);
  EXPECT_TRUE(seen["blocked"].empty()) << "no map, no tiles";
  EXPECT_FALSE(seen["detail_rows"].contains("Position"));
  EXPECT_FALSE(seen["detail_rows"]["Captured"].get<std::string>().empty());

  // A private gallery under the now public gallery/ would be readable by anyone: refused, and
  // the page is not left there.
  auto leaked = publish({"--private"});
  EXPECT_EQ(leaked.exit_code, 2) << leaked.err;
  EXPECT_NE(leaked.err.find("readable by anyone"), std::string::npos) << leaked.err;
  EXPECT_FALSE(client().head_object(bucket(), "field/gallery/index.html").ok());
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
