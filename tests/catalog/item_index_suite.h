// One search test suite for every ItemIndex (catalog/item_index.h): the SQLite index
// (tests/catalog/search_index_test.cpp) and the PostgreSQL catalog
// (tests/catalog/pg_item_index_test.cpp) run the same cases, each against a brute-force scan of
// the same synthetic Items: random time windows (UTC and local, offsets known or not), boxes
// and radii, many around the antimeridian and the poles, camera, tag, kind and GPS filters,
// sorts, keyset pages, polygons, merges.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

#include "catalog/item_index.h"
#include "media/stac_item.h"
#include "support/test_paths.h"

namespace imgsync::catalog::suite {

using json = nlohmann::json;

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 24 * kHourMs;
constexpr std::int64_t kStartMs = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

inline std::string format_ms(std::int64_t ms, bool with_z) {
  const auto text =
      media::format_utc_timestamp(std::chrono::sys_seconds(std::chrono::seconds(ms / 1000)));
  return with_z ? text : text.substr(0, text.size() - 1);
}

// What the brute force knows of one synthetic Item.
struct Synthetic {
  std::string id;
  std::int64_t local_ms = 0;
  std::optional<int> offset_minutes;
  std::optional<double> latitude, longitude;
  std::string make, model;
  std::vector<std::string> tags;
  bool raw = false, enhanced = false;

  std::int64_t utc_start() const {
    return offset_minutes ? local_ms - *offset_minutes * 60'000 : local_ms - 14 * kHourMs;
  }
  std::int64_t utc_end() const {
    return offset_minutes ? local_ms - *offset_minutes * 60'000 : local_ms + 12 * kHourMs;
  }
  std::int64_t sort_ms() const { return offset_minutes ? utc_start() : local_ms; }
  std::string item_key() const { return "p/metadata/2026/01/01/" + id + ".json"; }

  json item() const {
    json properties = {{"imgsync:local_datetime", format_ms(local_ms, false)},
                       {"imgsync:offset_known", offset_minutes.has_value()},
                       {"created", "2026-06-01T00:00:00Z"}};
    if (offset_minutes) {
      properties["datetime"] = format_ms(utc_start(), true);
      const int magnitude = std::abs(*offset_minutes);
      char offset[16];
      std::snprintf(offset, sizeof offset, "%c%02d:%02d", *offset_minutes < 0 ? '-' : '+',
                    magnitude / 60, magnitude % 60);
      properties["imgsync:utc_offset"] = offset;
    } else {
      properties["datetime"] = nullptr;
      properties["start_datetime"] = format_ms(utc_start(), true);
      properties["end_datetime"] = format_ms(utc_end(), true);
    }
    properties["imgsync:make"] = make;
    properties["imgsync:model"] = model;
    if (!tags.empty()) properties["imgsync:tags"] = tags;
    json item = {{"type", "Feature"},        {"stac_version", "1.0.0"}, {"id", id},
                 {"properties", properties}, {"links", json::array()},  {"assets", json::object()}};
    if (latitude) {
      item["geometry"] = {{"type", "Point"}, {"coordinates", {*longitude, *latitude}}};
    } else {
      item["geometry"] = nullptr;
    }
    if (raw) item["assets"]["raw"] = {{"href", "../../../../raw/2026/01/01/" + id + ".cr3"}};
    if (enhanced) {
      item["assets"]["enhanced"] = {{"href", "../../../../enhanced/2026/01/01/" + id + ".jpg"}};
    }
    return item;
  }
};

inline std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

inline bool matches(const Synthetic& s, const SearchQuery& q) {
  if (q.from) {
    if (q.from->local ? s.local_ms < q.from->milliseconds : s.utc_start() < q.from->milliseconds)
      return false;
  }
  if (q.until) {
    if (q.until->local ? s.local_ms >= q.until->milliseconds : s.utc_end() >= q.until->milliseconds)
      return false;
  }
  if ((q.box || q.near) && !s.latitude) return false;
  if (q.box) {
    if (*s.latitude < q.box->south || *s.latitude > q.box->north) return false;
    const bool in_lon = q.box->west <= q.box->east
                            ? *s.longitude >= q.box->west && *s.longitude <= q.box->east
                            : *s.longitude >= q.box->west || *s.longitude <= q.box->east;
    if (!in_lon) return false;
  }
  if (q.near && haversine_metres(*s.latitude, *s.longitude, q.near->latitude, q.near->longitude) >
                    q.near->radius_metres) {
    return false;
  }
  if (!q.camera.empty()) {
    const std::string needle = lower(q.camera);
    if (lower(s.make).find(needle) == std::string::npos &&
        lower(s.model).find(needle) == std::string::npos &&
        lower(s.make + " " + s.model).find(needle) == std::string::npos) {
      return false;
    }
  }
  for (const auto& tag : q.tags) {
    if (std::none_of(s.tags.begin(), s.tags.end(),
                     [&](const std::string& t) { return lower(t) == lower(tag); })) {
      return false;
    }
  }
  if (q.kind == KindFilter::kRaw && !s.raw) return false;
  if (q.kind == KindFilter::kEnhanced && !s.enhanced) return false;
  if (q.has_gps && *q.has_gps != s.latitude.has_value()) return false;
  return true;
}

inline std::vector<std::string> brute_force(const std::vector<Synthetic>& items,
                                            const SearchQuery& q) {
  std::vector<const Synthetic*> found;
  for (const auto& s : items) {
    if (matches(s, q)) found.push_back(&s);
  }
  auto distance = [&](const Synthetic* s) {
    return haversine_metres(*s->latitude, *s->longitude, q.near->latitude, q.near->longitude);
  };
  std::sort(found.begin(), found.end(), [&](const Synthetic* a, const Synthetic* b) {
    switch (q.sort) {
      case SortOrder::kTime:
        return std::pair(a->sort_ms(), a->id) < std::pair(b->sort_ms(), b->id);
      case SortOrder::kTimeDescending:
        return std::pair(a->sort_ms(), a->id) > std::pair(b->sort_ms(), b->id);
      case SortOrder::kDistance:
        return std::pair(distance(a), a->id) < std::pair(distance(b), b->id);
      case SortOrder::kId:
        return a->id < b->id;
      case SortOrder::kIdDescending:
        return a->id > b->id;
    }
    return false;
  });
  std::vector<std::string> ids;
  for (const auto* s : found) {
    if (q.limit && static_cast<std::int64_t>(ids.size()) >= *q.limit) break;
    ids.push_back(s->id);
  }
  return ids;
}

// A position: a third anywhere on the sphere, a third within 10° of the antimeridian, a third
// within 10° of a pole.
inline std::pair<double, double> random_position(std::mt19937_64& random) {
  std::uniform_real_distribution<double> unit(0, 1);
  const double kind = unit(random);
  if (kind < 1.0 / 3) {
    return {std::asin(2 * unit(random) - 1) * 180 / M_PI, unit(random) * 360 - 180};
  }
  if (kind < 2.0 / 3) {
    const double offset = unit(random) * 20 - 10;
    return {unit(random) * 140 - 70, offset < 0 ? 180 + offset : -180 + offset};
  }
  const double latitude = 80 + unit(random) * 10;
  return {unit(random) < 0.5 ? latitude : -latitude, unit(random) * 360 - 180};
}

// Synthetic Items: random times (60 days from 2026-01-01; 60 % with a known offset), positions
// (random_position; 15 % without one), cameras, tags and kinds.
inline std::vector<Synthetic> synthetic_items(int count, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> unit(0, 1);
  const std::vector<std::pair<std::string, std::string>> cameras = {
      {"Canon", "Canon EOS R5"},          {"DJI", "FC3582"}, {"Apple", "iPhone 15 Pro"},
      {"NIKON CORPORATION", "NIKON Z 8"}, {"", ""},          {"SONY", "ILCE-7RM5"}};
  const std::vector<std::string> tags = {"bridge", "river", "Snow", "survey", "night"};
  std::vector<Synthetic> items;
  for (int i = 0; i < count; ++i) {
    Synthetic s;
    s.id = "item_" + std::to_string(i);
    s.local_ms = kStartMs + static_cast<std::int64_t>(unit(random) * 60 * kDayMs) / 1000 * 1000;
    if (unit(random) < 0.6) s.offset_minutes = static_cast<int>(unit(random) * 26 - 12) * 60;
    if (unit(random) < 0.85) {
      auto [latitude, longitude] = random_position(random);
      s.latitude = latitude;
      s.longitude = longitude;
    }
    std::tie(s.make, s.model) = cameras[random() % cameras.size()];
    for (const auto& tag : tags) {
      if (unit(random) < 0.3) s.tags.push_back(tag);
    }
    s.raw = unit(random) < 0.6;
    s.enhanced = !s.raw || unit(random) < 0.5;
    items.push_back(std::move(s));
  }
  return items;
}

// A random query: a circle (half sorted by distance), a box or neither; a UTC or local time
// window; now and then a camera, tags, a kind, GPS or not, descending time, a limit.
inline SearchQuery random_query(std::mt19937_64& random, int round) {
  std::uniform_real_distribution<double> unit(0, 1);
  SearchQuery q;
  const int shape = round % 6;
  if (shape == 0 || shape == 3) {
    auto [latitude, longitude] = random_position(random);
    const double radius = std::pow(10, 3 + unit(random) * 3.5);  // 1 km .. 3000 km
    q.near = GeoCircle{latitude, longitude, radius};
    if (unit(random) < 0.5) q.sort = SortOrder::kDistance;
  } else if (shape == 1 || shape == 4) {
    auto [latitude, longitude] = random_position(random);
    const double height = unit(random) * 30, width = unit(random) * 60;
    const double south = std::max(-90.0, latitude - height / 2);
    const double north = std::min(90.0, latitude + height / 2);
    double west = longitude - width / 2, east = longitude + width / 2;
    if (west < -180) west += 360;
    if (east > 180) east -= 360;
    q.box = GeoBox{west, south, east, north};
  }
  if (shape >= 2 || unit(random) < 0.5) {
    const bool local = unit(random) < 0.5;
    const std::int64_t from = kStartMs + static_cast<std::int64_t>(unit(random) * 60 * kDayMs);
    const std::int64_t span = static_cast<std::int64_t>(unit(random) * 20 * kDayMs);
    if (unit(random) < 0.8) q.from = TimeBound{from, local};
    if (unit(random) < 0.8) q.until = TimeBound{from + span, unit(random) < 0.8 ? local : !local};
  }
  if (unit(random) < 0.15)
    q.camera = std::vector<std::string>{"canon", "DJI", "phone", "z 8",
                                        "nikon corporation nikon"}[round % 5];
  if (unit(random) < 0.2) q.tags.push_back(std::vector<std::string>{"bridge", "snow"}[round % 2]);
  if (unit(random) < 0.05) q.tags.push_back("river");
  if (unit(random) < 0.2) q.kind = unit(random) < 0.5 ? KindFilter::kRaw : KindFilter::kEnhanced;
  if (unit(random) < 0.1) q.has_gps = unit(random) < 0.5;
  if (q.sort != SortOrder::kDistance && unit(random) < 0.3) q.sort = SortOrder::kTimeDescending;
  if (unit(random) < 0.3) q.limit = 1 + static_cast<std::int64_t>(unit(random) * 50);
  return q;
}

// The Backend of a suite instance opens a fresh, empty index (or an empty collection of a
// shared one) in `scratch`: static std::unique_ptr<ItemIndex> open(const ScratchDir& scratch).
template <typename Backend>
class ItemIndexSuite : public ::testing::Test {
 protected:
  void SetUp() override {
    index_ = Backend::open(scratch_);
    ASSERT_TRUE(index_ != nullptr);
  }

  std::vector<Synthetic> add_synthetic(int count, std::uint64_t seed) {
    auto items = synthetic_items(count, seed);
    Status added = index_->in_transaction([&]() -> Status {
      for (const auto& s : items) {
        if (Status ok = index_->upsert_item(s.item(), s.item_key()); !ok.ok()) return ok;
      }
      return {};
    });
    EXPECT_TRUE(added.ok()) << added.error().message;
    return items;
  }

  std::vector<std::string> search(const SearchQuery& query) {
    auto hits = index_->search(query);
    EXPECT_TRUE(hits.ok()) << hits.error().message;
    std::vector<std::string> ids;
    if (hits.ok()) {
      for (const auto& hit : *hits) ids.push_back(hit.id);
    }
    return ids;
  }

  testing::ScratchDir scratch_{"imgsync-item-index"};
  std::unique_ptr<ItemIndex> index_;
};

TYPED_TEST_SUITE_P(ItemIndexSuite);

TYPED_TEST_P(ItemIndexSuite, UpsertReplacesAndRemoveForgets) {
  Synthetic s;
  s.id = "one";
  s.local_ms = kStartMs;
  s.latitude = 10, s.longitude = 20;
  s.tags = {"bridge"};
  s.raw = true;
  ASSERT_TRUE(this->index_->upsert_item(s.item(), s.item_key()).ok());
  s.latitude = -10;
  s.tags = {"river"};
  ASSERT_TRUE(this->index_->upsert_item(s.item(), s.item_key()).ok());
  EXPECT_EQ(*this->index_->count(), 1);
  SearchQuery bridge;
  bridge.tags = {"bridge"};
  EXPECT_TRUE(this->search(bridge).empty());
  SearchQuery south;
  south.box = GeoBox{19, -11, 21, -9};
  EXPECT_EQ(this->search(south), std::vector<std::string>{"one"});
  auto hits = this->index_->search(south);
  EXPECT_EQ((*hits)[0].raw_key, "p/raw/2026/01/01/one.cr3");
  ASSERT_TRUE(this->index_->remove("one").ok());
  EXPECT_EQ(*this->index_->count(), 0);
  EXPECT_TRUE(this->search(south).empty());
}

TYPED_TEST_P(ItemIndexSuite, AgreesWithBruteForceOnRandomQueries) {
  const auto items = this->add_synthetic(4000, 42);
  std::mt19937_64 random(7);
  int non_empty = 0, checked = 0;
  for (int round = 0; round < 600; ++round) {
    const SearchQuery q = random_query(random, round);
    const auto expected = brute_force(items, q);
    ASSERT_EQ(this->search(q), expected) << "round " << round;
    non_empty += expected.empty() ? 0 : 1;
    ++checked;
  }
  EXPECT_EQ(checked, 600);
  EXPECT_GT(non_empty, 300);  // the comparison is not trivially between empty sets
}

TYPED_TEST_P(ItemIndexSuite, PolarAndAntimeridianEdgeCases) {
  const auto items = this->add_synthetic(3000, 99);
  std::vector<SearchQuery> queries;
  for (double latitude : {90.0, 89.99, -90.0, -89.5, 85.0, -85.0}) {
    for (double radius : {1e3, 1e5, 6e5, 2e6}) {
      SearchQuery q;
      q.near = GeoCircle{latitude, 0, radius};
      queries.push_back(q);
    }
  }
  for (double longitude : {180.0, -180.0, 179.999, -179.999}) {
    for (double radius : {1e4, 5e5, 3e6}) {
      SearchQuery q;
      q.near = GeoCircle{0, longitude, radius};
      q.sort = SortOrder::kDistance;
      queries.push_back(q);
    }
  }
  SearchQuery across;
  across.box = GeoBox{175, -60, -175, 60};
  queries.push_back(across);
  SearchQuery cap;
  cap.box = GeoBox{-180, 85, 180, 90};
  queries.push_back(cap);
  SearchQuery world;
  world.near = GeoCircle{0, 0, 3e7};
  queries.push_back(world);
  for (const auto& q : queries) {
    const auto expected = brute_force(items, q);
    EXPECT_EQ(this->search(q), expected);
  }
  EXPECT_EQ(brute_force(items, world).size(),
            static_cast<std::size_t>(std::count_if(items.begin(), items.end(),
                                                   [](const Synthetic& s) { return s.latitude; })));
}

TYPED_TEST_P(ItemIndexSuite, DistanceSortNeedsACentre) {
  SearchQuery q;
  q.sort = SortOrder::kDistance;
  EXPECT_FALSE(this->index_->search(q).ok());
}

// Keyset pages (PageCursor) in every sort order concatenate to the unpaged answer.
TYPED_TEST_P(ItemIndexSuite, PagesResumeAfterTheCursorInEveryOrder) {
  const auto items = this->add_synthetic(800, 5);
  for (SortOrder sort :
       {SortOrder::kTime, SortOrder::kTimeDescending, SortOrder::kId, SortOrder::kIdDescending}) {
    SearchQuery all;
    all.sort = sort;
    all.box = GeoBox{-120, -60, 120, 60};
    const auto expected = brute_force(items, all);
    ASSERT_GT(expected.size(), 100u);
    std::vector<std::string> walked;
    SearchQuery page = all;
    page.limit = 7;
    while (true) {
      auto hits = this->index_->search(page);
      ASSERT_TRUE(hits.ok()) << hits.error().message;
      for (const auto& hit : *hits) walked.push_back(hit.id);
      if (hits->size() < 7) break;
      page.after = PageCursor{.sort_ms = hits->back().sort_ms(), .id = hits->back().id};
    }
    EXPECT_EQ(walked, expected) << static_cast<int>(sort);
  }
}

TYPED_TEST_P(ItemIndexSuite, PolygonsMatchPointInPolygon) {
  const auto items = this->add_synthetic(2000, 11);
  // A square with a square hole, and a triangle.
  const GeoPolygon holed{.rings = {{{-60, -40}, {60, -40}, {60, 40}, {-60, 40}, {-60, -40}},
                                   {{-20, -20}, {20, -20}, {20, 20}, {-20, 20}}}};
  const GeoPolygon triangle{.rings = {{{100, 0}, {170, 0}, {100, 70}}}};
  SearchQuery q;
  q.within = {holed, triangle};
  std::vector<std::string> expected;
  for (const auto& s : items) {
    if (!s.latitude) continue;
    const double x = *s.longitude, y = *s.latitude;
    const bool in_holed =
        std::abs(x) <= 60 && std::abs(y) <= 40 && !(std::abs(x) < 20 && std::abs(y) < 20);
    const bool in_triangle = x >= 100 && y >= 0 && (x - 100) + y <= 70;
    if (in_holed || in_triangle) expected.push_back(s.id);
  }
  std::vector<std::string> found = this->search(q);
  std::sort(found.begin(), found.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(found, expected);
  EXPECT_GT(expected.size(), 50u);
}

// Merging is idempotent and keeps the newer copy; local changes are listed in order, merged
// ones never.
TYPED_TEST_P(ItemIndexSuite, MergeKeepsTheNewerCopyAndListsOnlyLocalChanges) {
  Synthetic s;
  s.id = "shared";
  s.local_ms = kStartMs;
  s.offset_minutes = 0;
  json older = s.item(), newer = s.item();
  newer["properties"]["title"] = "newer";
  auto first = this->index_->merge_item(older, s.item_key(), 1000);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, MergeOutcome::kAdded);
  EXPECT_EQ(*this->index_->merge_item(newer, s.item_key(), 2000), MergeOutcome::kReplaced);
  EXPECT_EQ(*this->index_->merge_item(older, s.item_key(), 1000), MergeOutcome::kKeptNewer);
  EXPECT_EQ(*this->index_->merge_item(newer, s.item_key(), 2000), MergeOutcome::kKeptNewer);
  EXPECT_EQ(*this->index_->count(), 1);
  SearchQuery all;
  EXPECT_EQ(json::parse((*this->index_->search(all))[0].item_json)["properties"]["title"], "newer");

  std::vector<std::string> changes;
  auto collect = [&](const LocalChange& change) {
    changes.push_back(change.id);
    return Status{};
  };
  ASSERT_TRUE(this->index_->for_each_change(0, ChangeScope::kLocal, collect).ok());
  EXPECT_TRUE(changes.empty());
  Synthetic mine = s;
  mine.id = "mine";
  ASSERT_TRUE(this->index_->upsert_item(mine.item(), mine.item_key()).ok());
  ASSERT_TRUE(this->index_->upsert_item(s.item(), s.item_key()).ok());  // a local edit of "shared"
  ASSERT_TRUE(this->index_->for_each_change(0, ChangeScope::kLocal, collect).ok());
  EXPECT_EQ(changes, (std::vector<std::string>{"mine", "shared"}));
  ASSERT_TRUE(this->index_->set_setting("catalog.writer", "w1").ok());
  EXPECT_EQ(**this->index_->setting("catalog.writer"), "w1");
  EXPECT_FALSE(this->index_->setting("nothing")->has_value());
}

// merge_parsed is merge_item for each, in order, with the same outcomes.
TYPED_TEST_P(ItemIndexSuite, MergeItemsIsMergeItemForEach) {
  auto items = synthetic_items(3, 8);
  ASSERT_TRUE(this->index_->merge_item(items[2].item(), items[2].item_key(), 500).ok());
  std::vector<ItemToMerge> batch;
  for (const auto& s : items) batch.push_back({s.item(), s.item_key(), 400});
  batch.push_back({items[0].item(), items[0].item_key(), 900});  // a newer copy of the first
  auto outcomes = this->index_->merge_parsed(batch);
  ASSERT_TRUE(outcomes.ok()) << outcomes.error().message;
  EXPECT_EQ(*outcomes,
            (std::vector<MergeOutcome>{MergeOutcome::kAdded, MergeOutcome::kAdded,
                                       MergeOutcome::kKeptNewer, MergeOutcome::kReplaced}));
  EXPECT_EQ(*this->index_->count(), 3);
  batch = {{json{{"type", "Feature"}}, "k", 1}};  // no id: refused, nothing written
  EXPECT_FALSE(this->index_->merge_parsed(batch).ok());
  EXPECT_EQ(*this->index_->count(), 3);
}

REGISTER_TYPED_TEST_SUITE_P(ItemIndexSuite, MergeItemsIsMergeItemForEach,
                            UpsertReplacesAndRemoveForgets, AgreesWithBruteForceOnRandomQueries,
                            PolarAndAntimeridianEdgeCases, DistanceSortNeedsACentre,
                            PagesResumeAfterTheCursorInEveryOrder, PolygonsMatchPointInPolygon,
                            MergeKeepsTheNewerCopyAndListsOnlyLocalChanges);

}  // namespace imgsync::catalog::suite
