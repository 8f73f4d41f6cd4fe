// The STAC API of `imgsync serve` over an index of 1,000 synthetic Items: query semantics through
// StacApi::handle (antimeridian boxes, open and closed intervals, polygons, ids, collections,
// limits) against a brute-force scan, and the whole API over HTTP on loopback, walked and
// validated by tests/tools/check-stac-api.mjs (OpenAPI and STAC schemas, pagination with GET and
// POST, CORS, 400s).
#include "api/stac_api.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

#include "api/http_server.h"
#include "api/index_pool.h"
#include "catalog/search_index.h"
#include "media/stac_item.h"
#include "support/run_process.h"
#include "support/test_paths.h"

namespace imgsync::api {
namespace {

using nlohmann::json;

constexpr int kItems = 1000;
constexpr std::int64_t kStartSeconds = 1'767'225'600;  // 2026-01-01T00:00:00Z
const char* const kCollection = "survey";
const char* const kNode = "/usr/bin/node";

struct Synthetic {
  std::string id;
  std::int64_t seconds = 0;
  double longitude = 0, latitude = 0;
};

std::string timestamp(std::int64_t seconds) {
  return media::format_utc_timestamp(std::chrono::sys_seconds(std::chrono::seconds(seconds)));
}

json make_item(const Synthetic& s) {
  const std::string key = "p/metadata/2026/01/01/" + s.id + ".json";
  return {{"type", "Feature"},
          {"stac_version", "1.0.0"},
          {"id", s.id},
          {"geometry", {{"type", "Point"}, {"coordinates", {s.longitude, s.latitude}}}},
          {"bbox", {s.longitude, s.latitude, s.longitude, s.latitude}},
          {"properties", {{"datetime", timestamp(s.seconds)}, {"imgsync:utc_offset", "+00:00"}}},
          {"links", json::array()},
          {"assets",
           {{"raw",
             {{"href", "../../../../raw/2026/01/01/" + s.id + ".jpg"},
              {"type", "image/jpeg"},
              {"roles", {"data"}}}}}}};
}

class StacApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = new testing::ScratchDir("stac-api");
    auto index = catalog::SearchIndex::open(scratch_->path());
    ASSERT_TRUE(index.ok()) << index.error().message;
    std::mt19937 random(16);
    std::uniform_real_distribution<double> longitude(-180, 180), latitude(-80, 80);
    catalog::SearchIndex::Batch batch(*index);
    for (int i = 0; i < kItems; ++i) {
      Synthetic s{.id = "img-" + std::to_string(i),
                  // every third Item shares its instant with the next: ties break by id
                  .seconds = kStartSeconds + (i / 3) * 3600,
                  .longitude = longitude(random),
                  .latitude = latitude(random)};
      if (i % 10 == 0) s.longitude = i % 20 == 0 ? 179.5 : -179.5;  // beside the antimeridian
      items_.push_back(s);
      ASSERT_TRUE(index->upsert_item(make_item(s), "p/metadata/2026/01/01/" + s.id + ".json").ok());
    }
    ASSERT_TRUE(batch.commit().ok());
  }
  static void TearDownTestSuite() {
    delete scratch_;
    items_.clear();
  }

  StacApi make_api() const {
    auto pool = std::make_shared<SqliteIndexPool>(scratch_->path());
    return StacApi(
        {.collection_id = kCollection,
         .title = "test archive",
         .description = "synthetic Items",
         .asset_href = [](const std::string& key) { return "https://s3.test/b/" + key; }},
        pool->provider());
  }

  // The ids /search answers for these parameters (all pages).
  std::set<std::string> search(const QueryParameters& parameters) const {
    StacApi api = make_api();
    ApiRequest request{.method = "GET",
                       .path = "/search",
                       .parameters = parameters,
                       .body = "",
                       .base_url = "http://api.test"};
    request.parameters["limit"] = "10000";
    const ApiResponse response = api.handle(request);
    EXPECT_EQ(response.status, 200) << response.body;
    std::set<std::string> ids;
    const json page = json::parse(response.body);
    for (const auto& feature : page["features"]) {
      ids.insert(feature["id"].get<std::string>());
    }
    // One page held every match: it says how many there are.
    EXPECT_EQ(page.value("numberMatched", -1), static_cast<std::int64_t>(ids.size()));
    return ids;
  }

  template <typename Predicate>
  static std::set<std::string> brute_force(Predicate keep) {
    std::set<std::string> ids;
    for (const auto& s : items_) {
      if (keep(s)) ids.insert(s.id);
    }
    return ids;
  }

  static testing::ScratchDir* scratch_;
  static std::vector<Synthetic> items_;
};
testing::ScratchDir* StacApiTest::scratch_ = nullptr;
std::vector<Synthetic> StacApiTest::items_;

TEST_F(StacApiTest, AntimeridianBoxFindsBothSides) {
  const auto found = search({{"bbox", "170,-80,-170,80"}});
  const auto expected = brute_force([](const Synthetic& s) {
    return (s.longitude >= 170 || s.longitude <= -170) && std::abs(s.latitude) <= 80;
  });
  EXPECT_EQ(found, expected);
  EXPECT_GT(expected.size(), 100u);  // the synthetic Items put 10% at ±179.5
}

TEST_F(StacApiTest, DatetimeInstantsAndClosedAndOpenIntervals) {
  const std::int64_t a = kStartSeconds + 50 * 3600, b = kStartSeconds + 120 * 3600;
  auto between = [](std::int64_t from, std::int64_t to) {
    return brute_force([=](const Synthetic& s) { return s.seconds >= from && s.seconds <= to; });
  };
  EXPECT_EQ(search({{"datetime", timestamp(a)}}), between(a, a));
  EXPECT_EQ(search({{"datetime", timestamp(a)}}).size(), 3u);
  EXPECT_EQ(search({{"datetime", timestamp(a) + "/" + timestamp(b)}}), between(a, b));
  EXPECT_EQ(search({{"datetime", "../" + timestamp(b)}}), between(0, b));
  EXPECT_EQ(search({{"datetime", "/" + timestamp(b)}}), between(0, b));
  EXPECT_EQ(search({{"datetime", timestamp(a) + "/.."}}), between(a, INT64_MAX / 2));
  EXPECT_EQ(search({{"datetime", timestamp(a) + "/"}}), between(a, INT64_MAX / 2));
}

TEST_F(StacApiTest, IntersectsPolygonIdsAndCollections) {
  const json polygon = {{"type", "Polygon"}, {"coordinates", {{{0, 0}, {60, 0}, {0, 60}, {0, 0}}}}};
  EXPECT_EQ(search({{"intersects", polygon.dump()}}), brute_force([](const Synthetic& s) {
              return s.longitude >= 0 && s.latitude >= 0 && s.longitude + s.latitude <= 60;
            }));
  EXPECT_EQ(search({{"ids", "img-3,img-999,nothing"}}),
            (std::set<std::string>{"img-3", "img-999"}));
  EXPECT_EQ(search({{"collections", "other"}}), std::set<std::string>{});
  EXPECT_EQ(search({{"collections", std::string("other,") + kCollection}}).size(),
            static_cast<std::size_t>(kItems));
}

TEST_F(StacApiTest, ItemsLeaveWithAbsoluteLinksAndAssets) {
  StacApi api = make_api();
  const ApiResponse response =
      api.handle({.method = "GET",
                  .path = std::string("/collections/") + kCollection + "/items/img-7",
                  .parameters = {},
                  .body = "",
                  .base_url = "http://api.test"});
  ASSERT_EQ(response.status, 200) << response.body;
  const json item = json::parse(response.body);
  EXPECT_EQ(item["collection"], kCollection);
  EXPECT_EQ(item["assets"]["raw"]["href"], "https://s3.test/b/p/raw/2026/01/01/img-7.jpg");
  std::set<std::string> rels;
  for (const auto& link : item["links"]) rels.insert(link["rel"].get<std::string>());
  EXPECT_EQ(rels, (std::set<std::string>{"self", "parent", "collection", "root"}));
  EXPECT_EQ(api.handle({.method = "DELETE",
                        .path = "/search",
                        .parameters = {},
                        .body = "",
                        .base_url = "http://api.test"})
                .status,
            405);
}

// The Fields extension: the default members plus those included, less those excluded; the
// selection travels with the next link (GET and POST); a malformed selection is a 400.
TEST_F(StacApiTest, FieldsShapeItemsAndTravelWithNextLinks) {
  StacApi api = make_api();
  ApiRequest get{
      .method = "GET",
      .path = "/search",
      .parameters = {{"limit", "7"}, {"fields", "properties.imgsync:utc_offset,-assets"}},
      .body = "",
      .base_url = "http://api.test"};
  const json page = json::parse(api.handle(get).body);
  ASSERT_EQ(page["features"].size(), 7u);
  EXPECT_FALSE(page.contains("numberMatched"));  // more pages follow: not known without counting
  const json& first = page["features"][0];
  EXPECT_FALSE(first.contains("assets"));
  EXPECT_TRUE(first.contains("geometry"));
  EXPECT_EQ(first["properties"].size(), 2u);  // datetime (default) and the one included
  EXPECT_EQ(first["properties"]["imgsync:utc_offset"], "+00:00");
  std::string next;
  for (const auto& link : page["links"]) {
    if (link["rel"] == "next") next = link["href"].get<std::string>();
  }
  EXPECT_NE(next.find("fields=properties.imgsync%3Autc_offset%2C-assets"), std::string::npos)
      << next;

  ApiRequest post{.method = "POST",
                  .path = "/search",
                  .parameters = {},
                  .body = json{{"limit", 3},
                               {"fields",
                                {{"include", {"properties", "id"}},
                                 {"exclude", {"properties.datetime", "id", "geometry"}}}}}
                              .dump(),
                  .base_url = "http://api.test"};
  const json posted = json::parse(api.handle(post).body);
  const json& item = posted["features"][0];
  EXPECT_TRUE(item.contains("id"));  // both included and excluded: included
  EXPECT_FALSE(item.contains("geometry"));
  EXPECT_FALSE(item["properties"].contains("datetime"));  // excluded inside an included member
  EXPECT_TRUE(item["properties"].contains("imgsync:utc_offset"));
  int next_links = 0;
  for (const auto& link : posted["links"]) {
    if (link["rel"] != "next") continue;
    EXPECT_EQ(link["body"]["fields"]["include"].size(), 2u);
    ++next_links;
  }
  EXPECT_EQ(next_links, 1);

  get.parameters = {{"fields", ""}};  // empty: whole Items
  EXPECT_TRUE(json::parse(api.handle(get).body)["features"][0].contains("assets"));
  get.parameters = {{"fields", "properties..title"}};
  EXPECT_EQ(api.handle(get).status, 400);
  post.body = R"({"fields": ["id"]})";
  const ApiResponse refused = api.handle(post);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("include"), std::string::npos) << refused.body;
}

// No filter extension is built: a filter is refused (400, naming it), never ignored, which
// would answer with every Item as if each matched.
TEST_F(StacApiTest, AFilterOrQueryIsRefusedNotIgnored) {
  StacApi api = make_api();
  for (const char* name : {"filter", "filter-lang", "query"}) {
    ApiRequest get{.method = "GET",
                   .path = "/search",
                   .parameters = {{name, "eo:cloud_cover < 10"}},
                   .body = "",
                   .base_url = "http://api.test"};
    const ApiResponse refused = api.handle(get);
    EXPECT_EQ(refused.status, 400) << name;
    EXPECT_NE(refused.body.find(std::string(name) + ":"), std::string::npos) << refused.body;
  }
  ApiRequest post{.method = "POST",
                  .path = "/search",
                  .parameters = {},
                  .body = R"({"filter": {"op": "<", "args": [{"property": "gsd"}, 1]}})",
                  .base_url = "http://api.test"};
  const ApiResponse refused = api.handle(post);
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("CQL2"), std::string::npos) << refused.body;
  post.body = R"({"limit": 3})";
  EXPECT_EQ(api.handle(post).status, 200);
  const json conformance = json::parse(api.handle({.method = "GET",
                                                   .path = "/conformance",
                                                   .parameters = {},
                                                   .body = "",
                                                   .base_url = "http://api.test"})
                                           .body);
  for (const auto& name : conformance["conformsTo"]) {
    EXPECT_EQ(name.get<std::string>().find("filter"), std::string::npos) << name;
  }
}

TEST_F(StacApiTest, WholeApiOverHttpValidatesAndPagesExactlyOnce) {
  auto api = std::make_shared<StacApi>(make_api());
  HttpServerOptions options;
  options.address.host = "127.0.0.1";
  options.threads = 4;
  auto server =
      HttpServer::start(options, [api](const ApiRequest& request) { return api->handle(request); });
  ASSERT_TRUE(server.ok()) << server.error().message;
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());
  const auto result =
      testing::run_process(kNode,
                           {(testing::source_dir() / "tests/tools/check-stac-api.mjs").string(),
                            base, kCollection, std::to_string(kItems)},
                           {{"IMGSYNC_CORPUS_DIR", testing::corpus_dir().string()}});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("0 failures"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace imgsync::api
