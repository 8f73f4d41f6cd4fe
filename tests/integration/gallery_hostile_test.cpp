// Items written by someone else: strings that carry markup stay text in the gallery (Chromium
// runs no script of theirs), `index rebuild` refuses keys and ids imgsync never writes, and
// `search --download` never writes outside its directory.
#include <set>

#include "catalog/search_index.h"
#include "gallery_fixture.h"

namespace imgsync::testing {
namespace {

using nlohmann::json;

class HostileItemsTest : public GalleryTest {
 protected:
  // The synced Items' keys, from the bucket.
  std::vector<std::string> item_keys() {
    std::vector<std::string> keys;
    auto listed = client().list_all_objects(bucket(), "field/metadata/");
    EXPECT_TRUE(listed.ok());
    if (listed.ok()) {
      for (const auto& object : *listed) keys.push_back(object.key);
    }
    return keys;
  }
};

TEST_F(HostileItemsTest, ScriptBearingStringsStayTextInThePageAndTheMap) {
  const auto keys = item_keys();
  ASSERT_FALSE(keys.empty());
  // A fresh index with two hostile Items whose assets are real objects.
  const auto hostile_state = scratch_.path() / "hostile-state";
  auto index = catalog::SearchIndex::open(hostile_state);
  ASSERT_TRUE(index.ok()) << index.error().message;
  const std::vector<std::string> ids = {"<img src=x onerror=alert('id')>",
                                        "\"><script>alert('id2')</script>"};
  int placed = 0;
  for (const auto& key : keys) {
    auto stored = client().get_object({bucket(), key, {}, {}});
    ASSERT_TRUE(stored.ok());
    json item = json::parse(stored->body);
    if (item["geometry"].is_null() || placed == 2) continue;
    item["id"] = ids[placed];
    auto& properties = item["properties"];
    properties["imgsync:make"] = "<svg onload=alert('make')>";
    properties["imgsync:model"] = "</script><script>alert('model')</script>";
    properties["imgsync:lens"] = "<b onmouseover=alert('lens')>lens</b>";
    properties["keywords"] = {"<img src=y onerror=alert('tag')>", "plain"};
    ASSERT_TRUE(index->upsert_item(item, key).ok());
    ++placed;
  }
  ASSERT_EQ(placed, 2);

  auto published =
      imgsync({"publish", "--destination", destination(), "--state-dir", hostile_state.string(),
               "--private", "--json", "--title", "<script>alert('title')</script>"});
  ASSERT_EQ(published.exit_code, 0) << published.err;
  const std::string url = nlohmann::json::parse(published.out)["url"];
  auto seen = browse(url, "hostile");
  EXPECT_TRUE(seen["alerts"].empty()) << seen["alerts"].dump();
  EXPECT_EQ(seen["scripts"], 3) << "the page's own three scripts, no more";
  EXPECT_EQ(seen["inline_handlers"], 0);
  EXPECT_EQ(seen["title"], "<script>alert('title')</script>");
  EXPECT_EQ(seen["cards"], 2);
  EXPECT_EQ(std::set<std::string>(seen["card_ids"].begin(), seen["card_ids"].end()),
            std::set<std::string>(ids.begin(), ids.end()));
  EXPECT_NE(seen["camera_options"].dump().find("<svg onload=alert('make')>"), std::string::npos)
      << seen["camera_options"].dump();
  EXPECT_NE(seen["tag_options"].dump().find("<img src=y onerror=alert('tag')>"), std::string::npos)
      << seen["tag_options"].dump();
  // The map's tooltip shows an id as text.
  EXPECT_EQ(seen["map_markers"], 2);
  ASSERT_TRUE(seen.contains("tooltip_text"));
  EXPECT_TRUE(seen["tooltip_text"] == ids[0] || seen["tooltip_text"] == ids[1])
      << seen["tooltip_text"];
  EXPECT_TRUE(seen["detail_title"] == ids[0] || seen["detail_title"] == ids[1]);
  EXPECT_EQ(seen["detail_rows"]["Lens"], "<b onmouseover=alert('lens')>lens</b>");
}

TEST_F(HostileItemsTest, RebuildRefusesForeignKeysAndIdsAndDownloadsStayInTheirDirectory) {
  const auto keys = item_keys();
  ASSERT_FALSE(keys.empty());
  auto stored = client().get_object({bucket(), keys.front(), {}, {}});
  ASSERT_TRUE(stored.ok());
  const json original = json::parse(stored->body);
  // Items imgsync never writes: a traversal key, a "." segment, an id outside the alphabet.
  auto put_item = [&](const std::string& key, const std::string& id) {
    json item = original;
    item["id"] = id;
    s3::PutObjectRequest put;
    put.bucket = bucket();
    put.key = key;
    put.body = s3::Body::from_string(item.dump());
    ASSERT_TRUE(client().put_object(put).ok()) << key;
  };
  put_item("field/metadata/../../../escape.json", "escape");
  put_item("field/metadata/2026/./dot.json", "dot");
  put_item("field/metadata/2026/01/01/slash.json", "a/../../slash");
  const auto rebuilt_state = scratch_.path() / "rebuilt";
  auto rebuilt = imgsync(
      {"index", "rebuild", "--to", destination(), "--state-dir", rebuilt_state.string(), "--json"});
  EXPECT_EQ(rebuilt.exit_code, 1) << rebuilt.err;
  std::set<std::string> refused;
  std::istringstream lines(rebuilt.out);
  for (std::string line; std::getline(lines, line);) {
    auto event = json::parse(line, nullptr, false);
    if (event.value("event", "") == "failed") refused.insert(event["key"].get<std::string>());
    if (event.value("event", "") == "summary") {
      EXPECT_EQ(event["indexed"], 7) << line;
    }
  }
  EXPECT_EQ(refused, (std::set<std::string>{"field/metadata/../../../escape.json",
                                            "field/metadata/2026/./dot.json",
                                            "field/metadata/2026/01/01/slash.json"}))
      << rebuilt.out;

  // An index that holds such a key anyway (written by an older imgsync, or by hand): the
  // download is confined to its directory, checked after joining, and the key reported.
  auto index = catalog::SearchIndex::open(rebuilt_state);
  ASSERT_TRUE(index.ok());
  json escaping = original;
  escaping["id"] = "escaping";
  ASSERT_TRUE(index->upsert_item(escaping, "field/metadata/../../../../escape.json").ok());
  const auto downloads = scratch_.path() / "deep" / "downloads";
  auto got = imgsync({"search", "--destination", destination(), "--state-dir",
                      rebuilt_state.string(), "--download", downloads.string(), "--json"});
  EXPECT_EQ(got.exit_code, 1) << got.err << got.out;
  EXPECT_NE((got.out + got.err).find("field/metadata/../../../../escape.json"), std::string::npos)
      << got.out << got.err;
  EXPECT_NE((got.out + got.err).find("outside the download directory"), std::string::npos)
      << got.out << got.err;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(scratch_.path())) {
    EXPECT_NE(entry.path().filename(), "escape.json") << entry.path();
  }
  EXPECT_TRUE(std::filesystem::exists(downloads / "metadata")) << "the honest Items still come";
}

}  // namespace
}  // namespace imgsync::testing
