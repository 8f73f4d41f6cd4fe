// The synthetic archive and the query kinds of the search benchmarks (bench/search_bench:
// search_index_bench on the SQLite index, pg_catalog_bench on it and the PostgreSQL catalog side
// by side), so both measure the same Items and the same queries.
//
// Items are spread like a busy archive: 70% in 40 clusters (survey sites, a few km wide), 20%
// anywhere on land-ish latitudes, 10% without GPS; capture times over 3 years; 60% with a
// known offset; 12 cameras; tags from a list of 20.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "catalog/item_query.h"
#include "media/stac_item.h"

namespace imgsync::bench {

using catalog::GeoBox;
using catalog::GeoCircle;
using catalog::SearchQuery;
using catalog::TimeBound;
using nlohmann::json;

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 24 * kHourMs;
constexpr std::int64_t kStartMs = 1'704'067'200'000;  // 2024-01-01
constexpr std::int64_t kSpanMs = 3 * 365 * kDayMs;

inline std::string timestamp(std::int64_t ms) {
  return imgsync::media::format_utc_timestamp(
      std::chrono::sys_seconds(std::chrono::seconds(ms / 1000)));
}

struct Generator {
  std::mt19937_64 random{12345};
  std::uniform_real_distribution<double> unit{0, 1};
  std::vector<std::pair<double, double>> sites;

  Generator() {
    for (int i = 0; i < 40; ++i)
      sites.emplace_back(unit(random) * 120 - 60, unit(random) * 360 - 180);
  }

  std::pair<double, double> position() {
    if (unit(random) < 0.78) {
      const auto& [latitude, longitude] = sites[random() % sites.size()];
      return {latitude + (unit(random) - 0.5) * 0.1,
              std::clamp(longitude + (unit(random) - 0.5) * 0.1, -180.0, 180.0)};
    }
    return {unit(random) * 140 - 70, unit(random) * 360 - 180};
  }

  json item(std::int64_t index) {
    static const char* makes[][2] = {
        {"Canon", "Canon EOS R5"},  {"DJI", "FC3582"},        {"DJI", "L2D-20c"},
        {"Apple", "iPhone 15 Pro"}, {"SONY", "ILCE-7RM5"},    {"NIKON CORPORATION", "NIKON Z 8"},
        {"FUJIFILM", "X-T5"},       {"Panasonic", "DC-S5M2"}, {"OLYMPUS", "E-M1MarkIII"},
        {"Google", "Pixel 8"},      {"Leica", "Q3"},          {"GoPro", "HERO12 Black"}};
    const std::string id = fmt::format("survey_img-{:07}_2026", index);
    const std::string key = "bench/metadata/2026/01/01/" + id + ".json";
    const std::int64_t local = kStartMs + static_cast<std::int64_t>(unit(random) * kSpanMs);
    json properties = {{"imgsync:local_datetime", timestamp(local).substr(0, 19)},
                       {"created", "2026-06-01T00:00:00Z"}};
    const bool offset_known = unit(random) < 0.6;
    properties["imgsync:offset_known"] = offset_known;
    if (offset_known) {
      const int hours = static_cast<int>(unit(random) * 14) - 5;
      properties["datetime"] = timestamp(local - hours * kHourMs);
      properties["imgsync:utc_offset"] =
          fmt::format("{}{:02}:00", hours < 0 ? '-' : '+', std::abs(hours));
    } else {
      properties["datetime"] = nullptr;
      properties["start_datetime"] = timestamp(local - 14 * kHourMs);
      properties["end_datetime"] = timestamp(local + 12 * kHourMs);
    }
    const auto* camera = makes[random() % 12];
    properties["imgsync:make"] = camera[0];
    properties["imgsync:model"] = camera[1];
    json tags = json::array();
    for (int t = 0; t < 20; ++t) {
      if (unit(random) < 0.08) tags.push_back(fmt::format("tag{:02}", t));
    }
    if (!tags.empty()) properties["imgsync:tags"] = tags;
    json item = {
        {"type", "Feature"},
        {"stac_version", "1.0.0"},
        {"id", id},
        {"properties", properties},
        {"links", json::array({{{"rel", "root"}, {"href", "../../../../catalog/catalog.json"}}})},
        {"assets",
         {{"enhanced",
           {{"href", "../../../../enhanced/2026/01/01/" + id + ".jpg"},
            {"type", "image/jpeg"},
            {"roles", {"data"}},
            {"file:size", 4'000'000},
            {"file:checksum", "1220" + std::string(64, 'a')}}}}}};
    if (unit(random) < 0.9) {
      auto [latitude, longitude] = position();
      item["geometry"] = {{"type", "Point"}, {"coordinates", {longitude, latitude}}};
      item["bbox"] = {longitude, latitude, longitude, latitude};
    } else {
      item["geometry"] = nullptr;
    }
    item["key"] = key;  // removed before indexing
    return item;
  }
};

struct Stats {
  std::vector<double> milliseconds;
  std::vector<double> cpu_milliseconds;  // the querying thread's CPU time, when measured
  std::vector<std::size_t> results;
  double quantile(double q) {
    std::sort(milliseconds.begin(), milliseconds.end());
    return milliseconds[static_cast<std::size_t>(q * (milliseconds.size() - 1))];
  }
  void print(const char* label) {
    std::sort(milliseconds.begin(), milliseconds.end());
    std::vector<std::size_t> sorted = results;
    std::sort(sorted.begin(), sorted.end());
    auto at = [&](double q) {
      return milliseconds[static_cast<std::size_t>(q * (milliseconds.size() - 1))];
    };
    fmt::print(
        "{:<28} n={:<5} median {:7.2f} ms  p99 {:7.2f} ms  max {:7.2f} ms  results median {} "
        "p99 {} max {}\n",
        label, milliseconds.size(), at(0.5), at(0.99), milliseconds.back(),
        sorted[sorted.size() / 2], sorted[static_cast<std::size_t>(0.99 * (sorted.size() - 1))],
        sorted.back());
    if (cpu_milliseconds.empty()) return;
    std::sort(cpu_milliseconds.begin(), cpu_milliseconds.end());
    fmt::print("{:<28} cpu    median {:7.2f} ms  p99 {:7.2f} ms  max {:7.2f} ms\n", "",
               cpu_milliseconds[cpu_milliseconds.size() / 2],
               cpu_milliseconds[static_cast<std::size_t>(0.99 * (cpu_milliseconds.size() - 1))],
               cpu_milliseconds.back());
  }
};

struct QueryKind {
  const char* label;
  std::function<SearchQuery()> make;  // a new random query of the kind each call
};

// Every kind of bench/search_bench, drawing places from `generator` and the rest from `random`.
inline std::vector<QueryKind> query_kinds(Generator& generator, std::mt19937_64& random) {
  std::vector<QueryKind> kinds;
  auto unit = [&random] { return std::uniform_real_distribution<double>(0, 1)(random); };
  auto site = [&generator, &random, unit] {
    const auto& [latitude, longitude] = generator.sites[random() % generator.sites.size()];
    return std::pair{latitude + (unit() - 0.5) * 0.1, longitude + (unit() - 0.5) * 0.1};
  };
  auto window = [&random, unit](SearchQuery& query, std::int64_t days) {
    const std::int64_t from =
        kStartMs + static_cast<std::int64_t>(unit() * (kSpanMs - days * kDayMs));
    query.from = TimeBound{from, unit() < 0.5};
    query.until = TimeBound{from + days * kDayMs, query.from->local};
  };
  // A survey site over a month: a few km box, 30 days.
  kinds.push_back(
      {"box 5 km + 30 days", [=, &random] {
         SearchQuery query;
         auto [latitude, longitude] = site();
         query.box = GeoBox{longitude - 0.03, latitude - 0.025, longitude + 0.03, latitude + 0.025};
         window(query, 30);
         return query;
       }});
  kinds.push_back(
      {"box 50 km + 1 year", [=, &random] {
         SearchQuery query;
         auto [latitude, longitude] = site();
         query.box = GeoBox{longitude - 0.3, latitude - 0.25, longitude + 0.3, latitude + 0.25};
         window(query, 365);
         query.limit = 1000;
         return query;
       }});
  kinds.push_back({"radius 2 km", [=, &random] {
                     SearchQuery query;
                     auto [latitude, longitude] = site();
                     query.near = GeoCircle{latitude, longitude, 2000};
                     query.limit = 1000;
                     return query;
                   }});
  kinds.push_back({"radius 1 km, by distance", [=, &random] {
                     SearchQuery query;
                     auto [latitude, longitude] = site();
                     query.near = GeoCircle{latitude, longitude, 1000};
                     query.sort = catalog::SortOrder::kDistance;
                     query.limit = 1000;
                     return query;
                   }});
  kinds.push_back({"radius 500 km (sparse)", [=, &random] {
                     SearchQuery query;
                     query.near = GeoCircle{unit() * 140 - 70, unit() * 360 - 180, 500'000};
                     query.limit = 1000;
                     return query;
                   }});
  kinds.push_back({"time 1 day", [=, &random] {
                     SearchQuery query;
                     window(query, 1);
                     query.limit = 1000;
                     return query;
                   }});
  kinds.push_back({"camera + tag + 7 days", [=, &random] {
                     SearchQuery query;
                     window(query, 7);
                     query.camera = "dji";
                     query.tags = {fmt::format("tag{:02}", random() % 20)};
                     return query;
                   }});
  return kinds;
}

}  // namespace imgsync::bench
