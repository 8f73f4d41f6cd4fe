// The gallery tests' fixture: the samples synced to the real server under s3://BUCKET/field, and
// the tools to publish, open the page in Debian's headless Chromium (tests/tools/
// gallery-check.mjs, playwright-core) and read what anonymous visitors get. No request leaves
// loopback: the page's map tiles are aborted, and the page must work without them.
// Screenshots: build/gallery-screenshots/.
#pragma once

#include <gtest/gtest.h>

#include <curl/curl.h>

#include <chrono>

#include "imgsync_cli_fixture.h"
#include "media/thumbnail.h"

namespace imgsync::testing {

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
    load_items();
    ASSERT_EQ(items_.size(), 7u);
  }

  // items_: every Item in the bucket.
  void load_items() {
    items_.clear();
    auto listed = client().list_all_objects(bucket(), "field/metadata/");
    ASSERT_TRUE(listed.ok());
    for (const auto& object : *listed) {
      auto item = client().get_object({bucket(), object.key, {}, {}});
      ASSERT_TRUE(item.ok());
      items_.push_back(nlohmann::json::parse(item->body));
    }
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
  nlohmann::json browse(const std::string& url, const std::string& name,
                        const std::string& from = "", const std::string& to = "") {
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

  struct Fetched {
    int status = 0;
    std::string body;
  };
  // GET without credentials, as a browser does (a presigned GET URL is not valid for HEAD).
  static Fetched anonymous_get(const std::string& url) {
    Fetched fetched;
    CURL* curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &fetched.body);
    curl_easy_setopt(
        curl, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t count, void* body) {
          static_cast<std::string*>(body)->append(data, size * count);
          return size * count;
        });
    long status = 0;
    if (curl_easy_perform(curl) == CURLE_OK) {
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_easy_cleanup(curl);
    fetched.status = static_cast<int>(status);
    return fetched;
  }
  static int anonymous_status(const std::string& url) { return anonymous_get(url).status; }

  // The page's data block (the JSON the page's script reads).
  static nlohmann::json page_data(const std::string& page) {
    const std::string open = "<script id=\"gallery-data\" type=\"application/json\">";
    const auto start = page.find(open);
    if (start == std::string::npos) return nlohmann::json::object();
    const auto end = page.find("</script>", start);
    return nlohmann::json::parse(page.substr(start + open.size(), end - start - open.size()),
                                 nullptr, false);
  }

  // The long edge of an encoded image in pixels, as libvips decodes it (0: not an image).
  static int long_edge(const std::string& bytes) {
    auto decoded = media::make_thumbnail_from_buffer(bytes, 1, {.long_edge = 1 << 20});
    return decoded.ok() ? std::max(decoded->width, decoded->height) : 0;
  }

  // The plain URL of a key in the test bucket (what anonymous readers ask for).
  std::string plain_url(const std::string& key) {
    auto url = client().presign_get(bucket(), key, std::chrono::seconds(60));
    EXPECT_TRUE(url.ok());
    return url.ok() ? url->substr(0, url->find('?')) : "";
  }

  std::vector<nlohmann::json> items_;
  ScratchDir scratch_{"imgsync-gallery"};
};

}  // namespace imgsync::testing
