// The SQLite search index: geodesy, hrefs, the fields it reads of an Item, and the search suite
// every ItemIndex runs (item_index_suite.h).
#include "catalog/search_index.h"

#include <gtest/gtest.h>

#include "catalog/item_index_suite.h"
#include "media/stac_item.h"
#include "support/test_paths.h"

namespace imgsync::catalog {
namespace {

using json = nlohmann::json;
using suite::kHourMs;

TEST(Geodesy, HaversineKnownDistances) {
  EXPECT_NEAR(haversine_metres(0, 0, 0, 1), 111'195.08, 0.1);
  EXPECT_NEAR(haversine_metres(0, 179.5, 0, -179.5), 111'195.08, 0.1);  // across 180°
  EXPECT_NEAR(haversine_metres(90, 0, -90, 0), M_PI * kEarthRadiusMetres, 1e-3);
  EXPECT_NEAR(haversine_metres(89.9, 0, 89.9, 180), 2 * 0.1 * 111'195.08, 1);       // over the pole
  EXPECT_NEAR(haversine_metres(47.3769, 8.5417, 46.2044, 6.1432), 224'000, 1'500);  // ZH-GE
}

TEST(Geodesy, CoveringBoxesSplitAtTheAntimeridianAndOpenAroundPoles) {
  auto across = covering_boxes({10, 179.9, 50'000});
  ASSERT_EQ(across.size(), 2u);
  EXPECT_EQ(across[0].east, 180);
  EXPECT_EQ(across[1].west, -180);
  auto polar = covering_boxes({89.5, 0, 100'000});
  ASSERT_EQ(polar.size(), 1u);
  EXPECT_EQ(polar[0].west, -180);
  EXPECT_EQ(polar[0].north, 90);
  EXPECT_EQ(covering_boxes({0, 0, 1e9}).size(), 1u);
  EXPECT_EQ(split_at_antimeridian({170, -10, -170, 10}).size(), 2u);
}

TEST(ResolveHref, LeadsFromTheItemToTheAsset) {
  EXPECT_EQ(resolve_href("p/metadata/2026/05/03/x.json", "../../../../raw/2026/05/03/x.cr3"),
            "p/raw/2026/05/03/x.cr3");
  EXPECT_EQ(resolve_href("metadata/2026/05/03/x.json", "./x.webp"), "metadata/2026/05/03/x.webp");
  EXPECT_EQ(resolve_href("metadata/x.json", "../../x.jpg"), "");  // above the bucket
  EXPECT_EQ(resolve_href("metadata/x.json", "https://example.com/x.jpg"), "");
}

TEST(IndexRecord, ReadsTheItemsSyncBuilds) {
  media::CaptureRecord record;
  record.name = "survey_img_20260503";
  record.item_key = "field/metadata/2026/05/03/survey_img_20260503.json";
  record.catalog_key = "field/catalog/catalog.json";
  record.primary.path = "/in/IMG.JPG";
  record.primary.captured_at = media::CaptureTime{
      2026, 5, 3, 14, 22, 5, 250, 120, media::CaptureTimeSource::kExifDateTimeOriginal};
  record.primary.gps = media::GpsPosition{47.37, 8.54, 410.0};
  record.primary.make = "DJI";
  record.primary.model = "FC3582";
  record.primary.tags = {"bridge"};
  record.enhanced = media::AssetInfo{"field/enhanced/2026/05/03/survey_img_20260503.jpg",
                                     "image/jpeg", 1234, std::string(64, 'a')};
  auto item = media::build_stac_item(record);
  ASSERT_TRUE(item.ok()) << item.error().message;
  auto indexed = index_record_from_item(*item, record.item_key);
  ASSERT_TRUE(indexed.ok()) << indexed.error().message;
  EXPECT_EQ(indexed->id, record.name);
  EXPECT_EQ(indexed->enhanced_key, record.enhanced->key);
  EXPECT_EQ(indexed->raw_key, "");
  EXPECT_EQ(indexed->utc_start_ms, indexed->utc_end_ms);
  EXPECT_EQ(indexed->local_ms - indexed->utc_start_ms, 2 * kHourMs);
  EXPECT_EQ(indexed->utc_offset_minutes, 120);
  EXPECT_DOUBLE_EQ(*indexed->latitude, 47.37);
  EXPECT_DOUBLE_EQ(*indexed->longitude, 8.54);
  EXPECT_DOUBLE_EQ(*indexed->altitude, 410.0);
  EXPECT_EQ(indexed->make, "DJI");
  EXPECT_EQ(indexed->model, "FC3582");
  EXPECT_EQ(indexed->tags, std::vector<std::string>{"bridge"});
  EXPECT_EQ(indexed->bytes, 1234u);

  EXPECT_FALSE(index_record_from_item(json{{"type", "Feature"}}, "k").ok());
}

struct SqliteBackend {
  static std::unique_ptr<ItemIndex> open(const testing::ScratchDir& scratch) {
    auto opened = SearchIndex::open(scratch.path());
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::make_unique<SearchIndex>(std::move(*opened)) : nullptr;
  }
};
}  // namespace
namespace suite {
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, ItemIndexSuite, SqliteBackend);
}  // namespace suite
namespace {}  // namespace
}  // namespace imgsync::catalog
