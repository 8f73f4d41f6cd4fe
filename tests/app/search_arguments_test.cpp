// What people type for `imgsync search`, read into queries; every mistake a clear error.
#include "app/search_arguments.h"

#include <gtest/gtest.h>

namespace imgsync::app {
namespace {

constexpr std::int64_t kMay1 = 1'777'593'600'000;  // 2026-05-01T00:00:00Z
constexpr std::int64_t kMinute = 60'000;

std::string error_of(const SearchArguments& arguments) {
  auto query = make_search_query(arguments);
  EXPECT_FALSE(query.ok());
  if (query.ok()) return "";
  EXPECT_EQ(query.error().category, ErrorCategory::kInvalidInput);
  return query.error().message;
}

TEST(SearchArguments, TimesAreLocalUnlessZonedAndUpperBoundsCoverTheirUnit) {
  auto day = parse_time_bound("--since", "2026-05-01", false, false);
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(day->milliseconds, kMay1);
  EXPECT_TRUE(day->local);
  auto day_end = parse_time_bound("--until", "2026-05-01", true, false);
  EXPECT_EQ(day_end->milliseconds, kMay1 + 24 * 60 * kMinute);
  auto minute_end = parse_time_bound("--until", "2026-05-01T10:30", true, false);
  EXPECT_EQ(minute_end->milliseconds, kMay1 + (10 * 60 + 31) * kMinute);
  auto second = parse_time_bound("--since", "2026-05-01 10:30:15.25", false, false);
  EXPECT_EQ(second->milliseconds, kMay1 + (10 * 60 + 30) * kMinute + 15'250);
  auto zulu = parse_time_bound("--since", "2026-05-01T10:00Z", false, false);
  EXPECT_FALSE(zulu->local);
  EXPECT_EQ(zulu->milliseconds, kMay1 + 600 * kMinute);
  auto offset = parse_time_bound("--since", "2026-05-01T10:00:00+02:00", false, false);
  EXPECT_FALSE(offset->local);
  EXPECT_EQ(offset->milliseconds, kMay1 + 480 * kMinute);
  auto utc_flag = parse_time_bound("--since", "2026-05-01", false, true);
  EXPECT_FALSE(utc_flag->local);
  for (const char* bad : {"2026-13-01", "2026-02-29", "May 1", "2026-05-01T25:00",
                          "2026-05-01T10:00+2", "2026-05-01+02:00", "2026-05-01T10:00:61"}) {
    EXPECT_FALSE(parse_time_bound("--since", bad, false, false).ok()) << bad;
  }
}

TEST(SearchArguments, PlacesDistancesAndBoxes) {
  auto position = parse_position(" 47.37 , -8.5 ");
  ASSERT_TRUE(position.ok());
  EXPECT_DOUBLE_EQ(position->first, 47.37);
  EXPECT_DOUBLE_EQ(position->second, -8.5);
  EXPECT_DOUBLE_EQ(*parse_distance_metres("5km"), 5000);
  EXPECT_DOUBLE_EQ(*parse_distance_metres("250m"), 250);
  EXPECT_DOUBLE_EQ(*parse_distance_metres("2mi"), 3218.688);
  EXPECT_DOUBLE_EQ(*parse_distance_metres("1.5nmi"), 2778);
  EXPECT_FALSE(parse_distance_metres("-5km").ok());
  EXPECT_FALSE(parse_distance_metres("km").ok());
  auto across = parse_bbox("170,-10,-170,10");
  ASSERT_TRUE(across.ok());
  EXPECT_GT(across->west, across->east);
  EXPECT_FALSE(parse_bbox("8,47,9,48,1").ok());
  EXPECT_FALSE(parse_bbox("8,-91,9,48").ok());
  EXPECT_EQ(parse_expiry("1h")->count(), 3600);
  EXPECT_EQ(parse_expiry("90")->count(), 90);
  EXPECT_EQ(parse_expiry("7d")->count(), 7 * 86400);
  EXPECT_FALSE(parse_expiry("8d").ok());
  EXPECT_FALSE(parse_expiry("1y").ok());
}

TEST(SearchArguments, MistakesNameTheProblem) {
  SearchArguments a;
  a.near = "91,8.5";
  a.radius = "5km";
  EXPECT_NE(error_of(a).find("latitude 91 is out of range"), std::string::npos);
  a.near = "47,8";
  a.radius = "5 furlongs";
  EXPECT_NE(error_of(a).find("unknown unit \"furlongs\""), std::string::npos);
  a = {};
  a.since = "2026-05-31";
  a.until = "2026-05-01";
  EXPECT_NE(error_of(a).find("--until 2026-05-01 is before --since 2026-05-31"), std::string::npos);
  a = {};
  a.sort = "distance";
  EXPECT_NE(error_of(a).find("needs --near"), std::string::npos);
  a = {};
  a.has_gps = a.no_gps = true;
  EXPECT_NE(error_of(a).find("exclude each other"), std::string::npos);
  a = {};
  a.kind = "thumbnail";
  EXPECT_NE(error_of(a).find("use raw or enhanced"), std::string::npos);
}

TEST(SearchArguments, AWholeQuery) {
  SearchArguments a;
  a.since = "2026-05-01";
  a.until = "2026-05-31";
  a.near = "47.37,8.54";
  a.radius = "5km";
  a.camera = " DJI ";
  a.tags = {"bridge", " "};
  a.kind = "enhanced";
  a.sort = "distance";
  a.limit = 20;
  auto query = make_search_query(a);
  ASSERT_TRUE(query.ok()) << query.error().message;
  EXPECT_EQ(query->until->milliseconds - query->from->milliseconds, 31LL * 24 * 60 * kMinute);
  EXPECT_DOUBLE_EQ(query->near->radius_metres, 5000);
  EXPECT_EQ(query->camera, "DJI");
  EXPECT_EQ(query->tags, std::vector<std::string>{"bridge"});
  EXPECT_EQ(query->kind, catalog::KindFilter::kEnhanced);
  EXPECT_EQ(query->sort, catalog::SortOrder::kDistance);
  EXPECT_EQ(query->limit, 20);
}

}  // namespace
}  // namespace imgsync::app
