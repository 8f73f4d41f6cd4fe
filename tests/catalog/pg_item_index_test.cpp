// The shared catalog on a real PostgreSQL + PostGIS server (tests/support/pg_server.h): the
// search suite every ItemIndex runs, the same answers as the SQLite index hit for hit, and what
// only a shared server has: concurrent writers, partitions, the schema version, outages, and a
// password that never shows.
#include "catalog/pg_item_index.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <thread>

#include "catalog/item_index_suite.h"
#include "catalog/search_index.h"
#include "support/pg_server.h"

namespace imgsync::catalog {
namespace {

using suite::Synthetic;
using testing::PgServerEnvironment;

[[maybe_unused]] const auto* const kServer =
    ::testing::AddGlobalTestEnvironment(new PgServerEnvironment);

PgCatalogOptions options_for(const std::string& url, const std::string& collection) {
  return PgCatalogOptions{.target = {.url = url, .password = ""}, .collection = collection};
}

std::unique_ptr<PgItemIndex> open_catalog(const std::string& collection) {
  auto opened = PgItemIndex::open(options_for(PgServerEnvironment::info().url, collection));
  EXPECT_TRUE(opened.ok()) << opened.error().message;
  return opened.ok() ? std::move(*opened) : nullptr;
}

struct PgBackend {
  static std::unique_ptr<ItemIndex> open(const testing::ScratchDir&) {
    return open_catalog(testing::unique_collection());
  }
};
}  // namespace
namespace suite {
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, ItemIndexSuite, PgBackend);
}  // namespace suite
namespace {

// Both backends hold the same Items: every random query gets the same hits, field for field.
TEST(PgItemIndex, AnswersExactlyAsTheSqliteIndex) {
  testing::ScratchDir scratch("imgsync-pg-vs-sqlite");
  auto sqlite = SearchIndex::open(scratch.path());
  ASSERT_TRUE(sqlite.ok());
  auto pg = open_catalog(testing::unique_collection());
  ASSERT_TRUE(pg);
  const auto items = suite::synthetic_items(3000, 2026);
  for (ItemIndex* index : std::vector<ItemIndex*>{&*sqlite, pg.get()}) {
    ASSERT_TRUE(index
                    ->in_transaction([&]() -> Status {
                      for (const auto& s : items) {
                        if (Status ok = index->upsert_item(s.item(), s.item_key()); !ok.ok()) {
                          return ok;
                        }
                      }
                      return {};
                    })
                    .ok());
  }
  int compared = 0, non_empty = 0;
  std::mt19937_64 random(31);
  for (int round = 0; round < 300; ++round) {
    const SearchQuery query = suite::random_query(random, round);
    auto a = sqlite->search(query);
    auto b = pg->search(query);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), b->size()) << "round " << round;
    for (std::size_t i = 0; i < a->size(); ++i) {
      const SearchHit &x = (*a)[i], &y = (*b)[i];
      ASSERT_EQ(x.id, y.id) << "round " << round << " hit " << i;
      EXPECT_EQ(x.item_json, y.item_json);
      EXPECT_EQ(x.raw_key, y.raw_key);
      EXPECT_EQ(x.enhanced_key, y.enhanced_key);
      EXPECT_EQ(x.latitude, y.latitude);
      EXPECT_EQ(x.longitude, y.longitude);
      EXPECT_EQ(x.utc_start_ms, y.utc_start_ms);
      EXPECT_EQ(x.utc_end_ms, y.utc_end_ms);
      EXPECT_EQ(x.local_ms, y.local_ms);
      EXPECT_EQ(x.utc_offset_minutes, y.utc_offset_minutes);
      EXPECT_EQ(x.make + "|" + x.model, y.make + "|" + y.model);
      EXPECT_EQ(x.distance_metres.has_value(), y.distance_metres.has_value());
      if (x.distance_metres && y.distance_metres) {
        EXPECT_NEAR(*x.distance_metres, *y.distance_metres, 1e-6);
      }
    }
    ++compared;
    non_empty += a->empty() ? 0 : 1;
  }
  EXPECT_EQ(compared, 300);
  EXPECT_GT(non_empty, 150);
}

// A place sorted by time with a limit is decided on items_cell (pg_search.cpp) part by part of
// the time order, or, with a condition only the row answers, read part by part of the time order
// on the GiSTs (pg_search_cut.cpp):
// either way every page, and every walk by cursor, is the brute force's, whatever the page size
// (one Item to more than the place holds), the order and the time window.
TEST(PgItemIndex, PagesReadInPartsOfTheTimeOrderAreTheBruteForcesPages) {
  auto pg = open_catalog(testing::unique_collection());
  ASSERT_TRUE(pg);
  auto items = suite::synthetic_items(2500, 41);
  std::mt19937_64 random(8);
  std::uniform_real_distribution<double> unit(0, 1);
  for (auto& s : items) {  // most in one valley, so a place holds hundreds
    if (s.latitude && unit(random) < 0.8) {
      s.latitude = 46.5 + unit(random) * 0.3;
      s.longitude = 8.0 + unit(random) * 0.4;
    }
  }
  ASSERT_TRUE(pg->in_transaction([&]() -> Status {
                  for (const auto& s : items) {
                    if (Status ok = pg->upsert_item(s.item(), s.item_key()); !ok.ok()) return ok;
                  }
                  return {};
                }).ok());
  auto ids = [&](const SearchQuery& q) {
    auto hits = pg->search(q);
    EXPECT_TRUE(hits.ok()) << hits.error().message;
    std::vector<std::string> found;
    for (const auto& hit : hits.ok() ? *hits : std::vector<SearchHit>()) found.push_back(hit.id);
    return found;
  };
  int walks = 0;
  for (const std::int64_t limit : {1, 9, 120, 900, 5000}) {
    for (int shape = 0; shape < 16; ++shape) {
      SearchQuery q;
      if (shape % 2 == 0) q.box = GeoBox{7.9, 46.4, 8.5, 46.9};
      if (shape % 2 == 1) q.near = GeoCircle{46.65, 8.2, 4'000 + 4'000.0 * (shape % 8)};
      q.sort = shape % 4 < 2 ? SortOrder::kTime : SortOrder::kTimeDescending;
      if (shape % 8 >= 4) {
        q.from = TimeBound{suite::kStartMs + 5 * suite::kDayMs, shape % 8 == 5};
        q.until = TimeBound{suite::kStartMs + 35 * suite::kDayMs, shape % 8 == 5};
      }
      if (limit == 9 && shape == 6) q.camera = "canon";
      // Every camera's name holds a space (make, space, model): it keeps every Item, but only
      // the row tells, so the page is read in parts instead of decided on items_place.
      if (shape >= 8) q.camera = " ";
      q.limit = limit;
      EXPECT_EQ(pg_page_on_cells(q), q.camera.empty());
      ASSERT_EQ(ids(q), suite::brute_force(items, q)) << "limit " << limit << " shape " << shape;
      if (limit == 1 || limit > 120) continue;
      SearchQuery all = q;
      all.limit.reset();
      std::vector<std::string> walked;
      for (int page = 0; page < 3000; ++page) {
        auto hits = pg->search(q);
        ASSERT_TRUE(hits.ok());
        for (const auto& hit : *hits) walked.push_back(hit.id);
        if (static_cast<std::int64_t>(hits->size()) < limit) break;
        q.after = PageCursor{.sort_ms = hits->back().sort_ms(), .id = hits->back().id};
      }
      EXPECT_EQ(walked, suite::brute_force(items, all)) << "limit " << limit << " shape " << shape;
      walks += walked.size() > 100 ? 1 : 0;
    }
  }
  EXPECT_GT(walks, 16);  // the walks cross many parts
}

// Items are kept in yearly partitions, created as Items of a new year arrive; an Item whose
// time changes moves to its new year.
// A circle's cells (items_cell, 1° squares) leave out those no point of the circle is in: Items
// just inside and just outside circles of many sizes around many centres, some near a cell's
// corner, a pole or the antimeridian, are found exactly as the brute force finds them.
TEST(PgItemIndex, ACirclesCellsHoldEveryItemInIt) {
  auto pg = open_catalog(testing::unique_collection());
  ASSERT_TRUE(pg);
  std::mt19937_64 random(12);
  std::uniform_real_distribution<double> unit(0, 1);
  const std::vector<GeoCircle> circles = {{46.001, 7.999, 50'000},     {46.5, 8.5, 150'000},
                                          {-33.999, 151.001, 400'000}, {70.2, 20.0, 250'000},
                                          {-10.0, 179.9, 120'000},     {0.0, -0.001, 600'000}};
  auto items = suite::synthetic_items(static_cast<int>(circles.size()) * 150, 3);
  for (std::size_t n = 0; n < items.size(); ++n) {  // on the circle's edge, a metre either side
    const GeoCircle& circle = circles[n / 150];
    const double bearing = unit(random) * 2 * M_PI;
    const double angle = (circle.radius_metres + (n % 2 ? 1.0 : -1.0)) / kEarthRadiusMetres;
    const double lat1 = circle.latitude * M_PI / 180, lon1 = circle.longitude * M_PI / 180;
    const double lat2 = std::asin(std::sin(lat1) * std::cos(angle) +
                                  std::cos(lat1) * std::sin(angle) * std::cos(bearing));
    double lon2 = lon1 + std::atan2(std::sin(bearing) * std::sin(angle) * std::cos(lat1),
                                    std::cos(angle) - std::sin(lat1) * std::sin(lat2));
    lon2 = std::remainder(lon2 * 180 / M_PI, 360.0);
    items[n].latitude = lat2 * 180 / M_PI;
    items[n].longitude = lon2;
  }
  ASSERT_TRUE(pg->in_transaction([&]() -> Status {
                  for (const auto& s : items) {
                    if (Status ok = pg->upsert_item(s.item(), s.item_key()); !ok.ok()) return ok;
                  }
                  return {};
                }).ok());
  for (const GeoCircle& circle : circles) {
    SearchQuery q;
    q.near = circle;
    q.limit = 1000;
    ASSERT_TRUE(pg_page_on_cells(q));
    auto hits = pg->search(q);
    ASSERT_TRUE(hits.ok()) << hits.error().message;
    std::vector<std::string> found;
    for (const auto& hit : *hits) found.push_back(hit.id);
    const auto expected = suite::brute_force(items, q);
    EXPECT_EQ(found, expected) << circle.latitude << " " << circle.longitude;
    EXPECT_GE(expected.size(), 50u);
  }
}

TEST(PgItemIndex, PartitionsByYearOnDemand) {
  auto index = open_catalog(testing::unique_collection());
  ASSERT_TRUE(index);
  Synthetic s;
  s.id = "moving";
  s.offset_minutes = 0;
  s.local_ms = 4'102'444'800'000;  // 2100-01-01: a year no other test uses
  ASSERT_TRUE(index->upsert_item(s.item(), s.item_key()).ok());
  auto connection = PgConnection::connect({.url = PgServerEnvironment::info().url, .password = ""});
  ASSERT_TRUE(connection.ok());
  auto partition = connection->query("SELECT to_regclass('imgsync.items_2100') IS NOT NULL");
  ASSERT_TRUE(partition.ok());
  EXPECT_TRUE(partition->boolean(0, 0));
  s.local_ms += 400LL * 86'400'000;  // 2101
  ASSERT_TRUE(index->upsert_item(s.item(), s.item_key()).ok());
  auto rows = connection->query(
      "SELECT count(*) FROM imgsync.items_2100 UNION ALL SELECT count(*) FROM "
      "imgsync.items_2101");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->integer(0, 0), 0);
  EXPECT_EQ(rows->integer(1, 0), 1);
  EXPECT_EQ(*index->count(), 1);
}

// A database of its own on the test server (the schema and its version are per database),
// dropped again at the end.
class ScratchDatabase {
 public:
  ScratchDatabase()
      : admin_(PgConnection::connect({.url = PgServerEnvironment::info().url, .password = ""})),
        name_(testing::unique_collection()) {
    EXPECT_TRUE(admin_.ok());
    if (admin_.ok()) {
      EXPECT_TRUE(admin_->execute("CREATE DATABASE \"" + name_ + "\"").ok());
    }
    url_ = PgServerEnvironment::info().url;
    url_ = url_.substr(0, url_.rfind('/') + 1) + name_;
  }
  ~ScratchDatabase() {
    if (!admin_.ok()) return;
    Status dropped = admin_->execute("DROP DATABASE \"" + name_ + "\" WITH (FORCE)");
    EXPECT_TRUE(dropped.ok()) << dropped.error().message;
  }
  const std::string& url() const { return url_; }
  // A catalog in it, set up by this imgsync, then `sql` run on it (to set it back to an older
  // schema version, say), then `items` written.
  std::unique_ptr<PgItemIndex> catalog_after(const std::string& sql,
                                             const std::vector<Synthetic>& items) {
    auto opened = PgItemIndex::open(options_for(url_, "c"));
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    if (!opened.ok()) return nullptr;
    auto connection = PgConnection::connect({.url = url_, .password = ""});
    EXPECT_TRUE(connection.ok() && connection->execute(sql).ok()) << sql;
    for (const auto& s : items) EXPECT_TRUE((*opened)->upsert_item(s.item(), s.item_key()).ok());
    return std::move(*opened);
  }
  // Whether the catalog holds the current schema version and the index `name`.
  void expect_current_with(const std::string& name) {
    auto connection = PgConnection::connect({.url = url_, .password = ""});
    ASSERT_TRUE(connection.ok());
    EXPECT_EQ(*pg_schema_version(*connection), kPgSchemaVersion);
    auto index = connection->query("SELECT to_regclass('imgsync." + name + "') IS NOT NULL");
    ASSERT_TRUE(index.ok());
    EXPECT_TRUE(index->boolean(0, 0)) << name;
  }

 private:
  Result<PgConnection> admin_;
  std::string name_, url_;
};

TEST(PgItemIndex, RefusesASchemaFromANewerImgsync) {
  ScratchDatabase database;
  // Creates the schema, PostGIS too.
  ASSERT_TRUE(database.catalog_after("UPDATE imgsync.schema_version SET version = 99", {}));
  auto newer = PgItemIndex::open(options_for(database.url(), "c"));
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.error().message.find("newer imgsync"), std::string::npos)
      << newer.error().message;
  EXPECT_EQ(newer.error().category, ErrorCategory::kFatal);
}

// A catalog set up by the imgsync before items_place (schema version 1) gets it on the next
// open, and searches a place alike before and after.
TEST(PgItemIndex, UpgradesACatalogOfVersion1) {
  ScratchDatabase database;
  const auto items = suite::synthetic_items(400, 17);
  SearchQuery place;
  place.near = GeoCircle{46.5, 8.0, 3'000'000};
  place.limit = 50;
  std::vector<std::string> before;
  {
    auto old = database.catalog_after(
        "DROP INDEX imgsync.items_place; UPDATE imgsync.schema_version SET version = 1", items);
    ASSERT_TRUE(old);
    auto hits = old->search(place);
    ASSERT_TRUE(hits.ok());
    for (const auto& hit : *hits) before.push_back(hit.id);
  }
  auto upgraded = PgItemIndex::open(options_for(database.url(), "c"));
  ASSERT_TRUE(upgraded.ok()) << upgraded.error().message;
  database.expect_current_with("items_place");
  auto hits = (*upgraded)->search(place);
  ASSERT_TRUE(hits.ok());
  std::vector<std::string> after;
  for (const auto& hit : *hits) after.push_back(hit.id);
  EXPECT_EQ(after, before);
  EXPECT_EQ(after, suite::brute_force(items, place));
}

// A catalog of version 2 (no items_cell, no place_cell()) gets them on open, built over the
// Items it holds; its pages are the brute force's.
TEST(PgItemIndex, UpgradesACatalogOfVersion2) {
  ScratchDatabase database;
  auto items = suite::synthetic_items(400, 23);
  for (std::size_t n = 0; n < items.size(); ++n) {  // most around one valley
    if (items[n].latitude && n % 4 != 0) {
      items[n].latitude = 46.0 + static_cast<double>(n % 17) * 0.1;
      items[n].longitude = 7.5 + static_cast<double>(n % 13) * 0.1;
    }
  }
  std::vector<SearchQuery> queries(3);
  queries[0].near = GeoCircle{46.5, 8.0, 900'000};
  queries[0].limit = 50;
  queries[1].box = GeoBox{-10, 30, 10, 55};
  queries[1].from = TimeBound{suite::kStartMs + 10 * suite::kDayMs, false};
  queries[1].until = TimeBound{suite::kStartMs + 20 * suite::kDayMs, false};
  queries[2] = queries[1];
  queries[2].sort = SortOrder::kTimeDescending;
  queries[2].limit = 7;
  auto ids = [&](PgItemIndex& index) {
    std::vector<std::vector<std::string>> found;
    for (const auto& query : queries) {
      auto hits = index.search(query);
      EXPECT_TRUE(hits.ok());
      found.emplace_back();
      for (const auto& hit : hits.ok() ? *hits : std::vector<SearchHit>()) {
        found.back().push_back(hit.id);
      }
    }
    return found;
  };
  ASSERT_TRUE(database.catalog_after(
      "DROP INDEX imgsync.items_cell; DROP FUNCTION imgsync.place_cell; DROP INDEX "
      "imgsync.items_camera; DROP FUNCTION imgsync.times_apart; UPDATE imgsync.schema_version "
      "SET version = 2",
      items));
  auto upgraded = PgItemIndex::open(options_for(database.url(), "c"));
  ASSERT_TRUE(upgraded.ok()) << upgraded.error().message;
  database.expect_current_with("items_cell");
  database.expect_current_with("items_camera");
  const auto after = ids(**upgraded);
  for (std::size_t q = 0; q < queries.size(); ++q) {
    EXPECT_TRUE(pg_page_on_cells(queries[q])) << q;
    EXPECT_EQ(after[q], suite::brute_force(items, queries[q])) << q;
    EXPECT_FALSE(after[q].empty()) << q;
  }
}

// A catalog of version 3 (no items_camera, no times_apart()) gets them on open; a camera's
// window is then decided on items_camera and answers as the brute force.
TEST(PgItemIndex, UpgradesACatalogOfVersion3) {
  ScratchDatabase database;
  const auto items = suite::synthetic_items(400, 29);
  ASSERT_TRUE(database.catalog_after(
      "DROP INDEX imgsync.items_camera; DROP FUNCTION imgsync.times_apart; UPDATE "
      "imgsync.schema_version SET version = 3",
      items));
  auto upgraded = PgItemIndex::open(options_for(database.url(), "c"));
  ASSERT_TRUE(upgraded.ok()) << upgraded.error().message;
  database.expect_current_with("items_camera");
  for (const bool local : {false, true}) {
    SearchQuery camera;
    camera.camera = "DJI";
    camera.from = TimeBound{suite::kStartMs + 5 * suite::kDayMs, local};
    camera.until = TimeBound{suite::kStartMs + 40 * suite::kDayMs, local};
    ASSERT_TRUE(pg_page_on_camera(camera));
    auto hits = (*upgraded)->search(camera);
    ASSERT_TRUE(hits.ok()) << hits.error().message;
    std::vector<std::string> found;
    for (const auto& hit : *hits) found.push_back(hit.id);
    EXPECT_EQ(found, suite::brute_force(items, camera));
    EXPECT_FALSE(found.empty());
  }
}

// Items whose sort time lies days from their UTC times or wall clock (a foreign Item's long
// interval, a wall clock 1 to 9 days from its instant) among ordinary ones, most of them in one
// valley, loaded into both indexes.
void load_items_whose_times_lie_days_apart(ItemIndex& sqlite, ItemIndex& pg) {
  auto items = suite::synthetic_items(1200, 77);
  std::vector<nlohmann::json> foreign;
  for (std::size_t n = 0; n < items.size(); ++n) {
    auto& s = items[n];
    if (s.latitude && n % 3 != 0) s.latitude = 46.5 + (n % 7) * 0.03, s.longitude = 8.1;
    nlohmann::json item = s.item();
    auto& properties = item["properties"];
    if (n % 5 == 1 && s.offset_minutes) {  // a wall clock 1 to 9 days from its instant
      properties["imgsync:local_datetime"] = suite::format_ms(
          s.local_ms + (1 + static_cast<std::int64_t>(n % 9)) * (n % 2 ? 1 : -1) * suite::kDayMs,
          false);
    }
    if (n % 5 == 2 && !s.offset_minutes) {  // an interval of 1 to 20 days
      properties["end_datetime"] = suite::format_ms(
          s.utc_start() + (1 + static_cast<std::int64_t>(n % 20)) * suite::kDayMs, true);
    }
    foreign.push_back(std::move(item));
  }
  for (ItemIndex* index : std::vector<ItemIndex*>{&sqlite, &pg}) {
    ASSERT_TRUE(index
                    ->in_transaction([&]() -> Status {
                      for (std::size_t n = 0; n < items.size(); ++n) {
                        Status ok = index->upsert_item(foreign[n], items[n].item_key());
                        if (!ok.ok()) return ok;
                      }
                      return {};
                    })
                    .ok());
  }
}

// Every page of `q` and the walk by cursor from it, by id, on `index`.
std::vector<std::string> walk_pages(ItemIndex& index, const SearchQuery& q) {
  std::vector<std::string> found;
  SearchQuery walk = q;
  for (int page = 0; page < 400; ++page) {
    auto hits = index.search(walk);
    EXPECT_TRUE(hits.ok()) << hits.error().message;
    if (!hits.ok()) break;
    for (const auto& hit : *hits) found.push_back(hit.id);
    if (!walk.limit || static_cast<std::int64_t>(hits->size()) < *walk.limit) break;
    walk.after = PageCursor{.sort_ms = hits->back().sort_ms(), .id = hits->back().id};
  }
  return found;
}

// items_cell cannot bound the sort time of Items whose times lie days apart by a time window, so
// they are walked apart (cell -1); pages and cursor walks are the SQLite index's.
TEST(PgItemIndex, PagesOnCellsKeepItemsWhoseTimesLieDaysApart) {
  testing::ScratchDir scratch("imgsync-pg-cells");
  auto sqlite = SearchIndex::open(scratch.path());
  ASSERT_TRUE(sqlite.ok());
  auto pg = open_catalog(testing::unique_collection());
  ASSERT_TRUE(pg);
  load_items_whose_times_lie_days_apart(*sqlite, *pg);
  std::mt19937_64 random(5);
  std::uniform_real_distribution<double> unit(0, 1);
  int compared = 0;
  for (int round = 0; round < 120; ++round) {
    SearchQuery q;
    if (round % 2 == 0) q.box = GeoBox{7.9, 46.4, 8.5, 46.9};
    if (round % 2 == 1) q.near = GeoCircle{46.6, 8.1, 5'000.0 + 300'000.0 * (round % 3 == 0)};
    q.sort = round % 4 < 2 ? SortOrder::kTime : SortOrder::kTimeDescending;
    const std::int64_t from =
        suite::kStartMs + static_cast<std::int64_t>(unit(random) * 50) * suite::kDayMs;
    if (round % 3 != 2) q.from = TimeBound{from, round % 5 == 0};
    if (round % 3 != 1)
      q.until = TimeBound{from + (1 + round % 10) * suite::kDayMs, round % 5 == 0};
    if (round % 6 < 4) q.limit = 1 + round % 40;
    ASSERT_TRUE(pg_page_on_cells(q)) << round;
    const auto a = walk_pages(*sqlite, q), b = walk_pages(*pg, q);
    ASSERT_EQ(a, b) << "round " << round;
    compared += a.empty() ? 0 : 1;
  }
  EXPECT_GT(compared, 80);
}

// A camera with a time window is decided on items_camera (schema version 4), whose walk of the
// wall clock bounds a UTC window only for Items whose times lie within 2 days of each other: the
// others are walked apart. Pages and cursor walks are the SQLite index's, with a UTC, local or
// mixed window, tags or not, in every order.
TEST(PgItemIndex, CameraPagesKeepItemsWhoseTimesLieDaysApart) {
  testing::ScratchDir scratch("imgsync-pg-camera");
  auto sqlite = SearchIndex::open(scratch.path());
  ASSERT_TRUE(sqlite.ok());
  auto pg = open_catalog(testing::unique_collection());
  ASSERT_TRUE(pg);
  load_items_whose_times_lie_days_apart(*sqlite, *pg);
  std::mt19937_64 random(6);
  std::uniform_real_distribution<double> unit(0, 1);
  const SortOrder sorts[] = {SortOrder::kTime, SortOrder::kTimeDescending, SortOrder::kId,
                             SortOrder::kIdDescending};
  const char* cameras[] = {"dji", "Canon", "nikon corporation nikon", "i", "no such camera"};
  int compared = 0;
  for (int round = 0; round < 120; ++round) {
    SearchQuery q;
    q.camera = cameras[round % 5];
    q.sort = sorts[round % 4];
    const std::int64_t from =
        suite::kStartMs + static_cast<std::int64_t>(unit(random) * 50 * suite::kDayMs);
    if (round % 3 != 2) q.from = TimeBound{from, round % 7 < 3};
    if (round % 3 != 1) {
      q.until =
          TimeBound{from + static_cast<std::int64_t>((0.1 + unit(random) * 8) * suite::kDayMs),
                    round % 7 < 2 || round % 7 == 4};
    }
    if (round % 4 == 1) q.tags = {"bridge"};
    if (round % 6 < 3) q.limit = 1 + round % 25;
    ASSERT_TRUE(pg_page_on_camera(q)) << round;
    const auto a = walk_pages(*sqlite, q), b = walk_pages(*pg, q);
    ASSERT_EQ(a, b) << "round " << round;
    compared += a.empty() ? 0 : 1;
  }
  EXPECT_GT(compared, 70);
}

// An analyst's role that may only read (serve, search) connects to a catalog set up by a writer.
TEST(PgItemIndex, AReadOnlyRoleSearches) {
  const std::string collection = testing::unique_collection();
  auto writer = open_catalog(collection);
  ASSERT_TRUE(writer);
  const auto items = suite::synthetic_items(10, 4);
  for (const auto& s : items) ASSERT_TRUE(writer->upsert_item(s.item(), s.item_key()).ok());
  auto admin = PgConnection::connect({.url = PgServerEnvironment::info().url, .password = ""});
  ASSERT_TRUE(admin.ok());
  ASSERT_TRUE(admin
                  ->execute("DO $$ BEGIN CREATE ROLE reader LOGIN; EXCEPTION WHEN "
                            "duplicate_object THEN NULL; END $$; GRANT USAGE ON SCHEMA imgsync "
                            "TO reader; GRANT SELECT ON ALL TABLES IN SCHEMA imgsync TO reader")
                  .ok());
  std::string url = PgServerEnvironment::info().url;  // postgresql://imgsync@... -> reader@
  url.replace(url.find("imgsync@"), 7, "reader");
  auto reader = PgItemIndex::open(options_for(url, collection));
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  auto hits = (*reader)->search(SearchQuery{});
  ASSERT_TRUE(hits.ok()) << hits.error().message;
  EXPECT_EQ(hits->size(), items.size());
  Synthetic extra = items[0];
  extra.id = "refused";
  EXPECT_FALSE((*reader)->upsert_item(extra.item(), extra.item_key()).ok());
}

TEST(PgCatalogUrl, RedactsThePassword) {
  EXPECT_EQ(config::redact_catalog_url("postgresql://ana:s3cret@db.example:5432/cat"),
            "postgresql://ana:***@db.example:5432/cat");
  EXPECT_EQ(config::redact_catalog_url("postgres://ana@db/cat?sslmode=require&password=s3cret"),
            "postgres://ana@db/cat?sslmode=require&password=***");
  EXPECT_EQ(config::redact_catalog_url("postgresql://ana@db/cat"), "postgresql://ana@db/cat");
  EXPECT_TRUE(config::is_catalog_url("postgres://db/cat"));
  EXPECT_FALSE(config::is_catalog_url("s3://bucket"));
}

// Nothing listens on the port: the error names the server, says what to check, and holds
// neither the URL's password nor the one given apart.
TEST(PgCatalogUrl, ErrorsNeverShowThePassword) {
  PgCatalogOptions options =
      options_for("postgresql://ana:UrlSecret77@127.0.0.1:1/cat", testing::unique_collection());
  options.target.password = "EnvSecret88";
  options.retry.max_attempts = 1;
  auto opened = PgItemIndex::open(options);
  ASSERT_FALSE(opened.ok());
  const std::string message = opened.error().describe();
  EXPECT_EQ(message.find("UrlSecret77"), std::string::npos) << message;
  EXPECT_EQ(message.find("EnvSecret88"), std::string::npos) << message;
  EXPECT_NE(message.find("postgresql://ana:***@127.0.0.1:1/cat"), std::string::npos) << message;
  EXPECT_EQ(opened.error().category, ErrorCategory::kRetryable);
  auto not_postgres = PgItemIndex::open(options_for("mysql://ana:UrlSecret77@h/d", "c"));
  ASSERT_FALSE(not_postgres.ok());
  EXPECT_EQ(not_postgres.error().message.find("UrlSecret77"), std::string::npos);
  EXPECT_EQ(not_postgres.error().category, ErrorCategory::kInvalidInput);
}

// The server stops and starts again: while it is down an operation fails kRetryable (after its
// retries); once it is back the same index reconnects by itself and has lost nothing.
TEST(PgItemIndex, ReconnectsAfterTheServerRestarts) {
  testing::OwnPgServer server;
  ASSERT_EQ(server.failure(), "");
  PgCatalogOptions options = options_for(server.info().url, "outage");
  options.retry.max_attempts = 2;
  options.retry.base_delay = std::chrono::milliseconds(10);
  auto opened = PgItemIndex::open(options);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto& index = **opened;
  const auto items = suite::synthetic_items(20, 3);
  for (const auto& s : items) ASSERT_TRUE(index.upsert_item(s.item(), s.item_key()).ok());
  ASSERT_TRUE(server.halt());
  auto down = index.count();
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().category, ErrorCategory::kRetryable) << down.error().message;
  ASSERT_TRUE(server.restart());
  auto back = index.count();
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, 20);
  EXPECT_TRUE(index.upsert_item(items[0].item(), items[0].item_key()).ok());
}

}  // namespace
}  // namespace imgsync::catalog
