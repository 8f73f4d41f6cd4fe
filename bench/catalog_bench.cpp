// The shared catalog and the STAC API at scale, in process, no S3 server:
//
//   1. merge: N Items as catalog segments (gzip'd NDJSON, 10,000 Items each, as `index pull`
//      reads them) inflated, prepared and merged (merge_items, bulk mode) into a fresh index on
//      one thread, one transaction per segment: Items/s and the peak resident memory before and
//      after. The GETs and the pipeline of a real pull are left out (bench/pull_bench has them):
//      this is the local cost per Item.
//   2. /search: `imgsync serve`'s HTTP server over that index, C clients each sending R GET
//      /search requests (a random box of about 1°, a random 30-day window, limit 10) one after
//      another: p50/p90/p99 latency and requests/s.
//
//   catalog_bench [--items N] [--clients C] [--requests R] [--dir DIR]
//   catalog_bench --write-segments DIR N [WRITERS [BUCKET]]  (for bench/pull_bench: the catalog
//   catalog_bench --write-snapshot DIR N [WRITERS [BUCKET]]  of N Items under DIR/p/catalog/)
#include <curl/curl.h>
#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "api/http_server.h"
#include "api/index_pool.h"
#include "api/stac_api.h"
#include "catalog/search_index.h"
#include "media/stac_item.h"
#include "util/gzip.h"

using namespace imgsync;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::int64_t kStartSeconds = 1'704'067'200;  // 2024-01-01
constexpr std::int64_t kSpanSeconds = 3 * 365 * 86'400;

long peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

std::string timestamp(std::int64_t seconds) {
  return media::format_utc_timestamp(std::chrono::sys_seconds(std::chrono::seconds(seconds)));
}

// One catalog line: an Item as a segment carries it, with the properties and assets sync
// writes (camera, lens, size, tags, three assets with sizes and checksums): about 1.6 KB.
std::string catalog_line(std::mt19937_64& random, std::int64_t n, const std::string& bucket = "b") {
  std::uniform_real_distribution<double> unit(0, 1);
  const double longitude = unit(random) * 360 - 180, latitude = unit(random) * 140 - 70;
  const std::int64_t seconds =
      kStartSeconds + static_cast<std::int64_t>(unit(random) * kSpanSeconds);
  const std::string id = fmt::format("item_{:08}", n);
  const std::string day = timestamp(seconds).substr(0, 10);
  const std::string folder = day.substr(0, 4) + "/" + day.substr(5, 2) + "/" + day.substr(8, 2);
  const std::string key = "p/metadata/" + folder + "/" + id + ".json";
  const int camera = static_cast<int>(n % 20);
  auto asset = [&](const char* kind, const char* type, std::int64_t size) {
    return json{{"href", fmt::format("s3://{}/p/{}/{}/{}.jpg", bucket, kind, folder, id)},
                {"type", type},
                {"file:size", size},
                {"file:checksum", fmt::format("1220{:064x}", n * 7919 + size)}};
  };
  return json{{"type", "Feature"},
              {"stac_version", "1.0.0"},
              {"stac_extensions", {"https://stac-extensions.github.io/file/v2.1.0/schema.json"}},
              {"id", id},
              {"collection", "p"},
              {"geometry", {{"type", "Point"}, {"coordinates", {longitude, latitude}}}},
              {"bbox", {longitude, latitude, longitude, latitude}},
              {"properties",
               {{"datetime", timestamp(seconds)},
                {"created", "2026-01-01T00:00:00Z"},
                {"updated", "2026-01-01T00:00:00.000Z"},
                {"imgsync:local_datetime", timestamp(seconds).substr(0, 19)},
                {"imgsync:utc_offset", "+00:00"},
                {"imgsync:make", fmt::format("Maker{}", camera % 5)},
                {"imgsync:model", fmt::format("Model {}", camera)},
                {"imgsync:lens", "24-70mm f/2.8"},
                {"imgsync:width", 6000},
                {"imgsync:height", 4000},
                {"imgsync:orientation", 1},
                {"imgsync:mime", "image/jpeg"},
                {"imgsync:tags", {fmt::format("site{}", n % 97), "survey"}}}},
              {"links",
               {{{"rel", "self"},
                 {"href", "s3://" + bucket + "/" + key},
                 {"type", "application/geo+json"}}}},
              {"assets",
               {{"raw", asset("raw", "image/jpeg", 8'000'000 + n % 1000)},
                {"enhanced", asset("enhanced", "image/jpeg", 3'000'000 + n % 1000)},
                {"thumbnail", asset("thumbnail", "image/jpeg", 30'000 + n % 1000)}}}}
      .dump();
}

// The catalog as a bucket holds it, under DIR/p/catalog/ (copy it to s3://BUCKET/): N Items as
// segments of 10,000 spread over `writers` writers, or as one snapshot and its manifest.
void write_catalog(const std::filesystem::path& dir, std::int64_t items, int writers, bool snapshot,
                   const std::string& bucket) {
  std::mt19937_64 random(16);
  const std::filesystem::path root = dir / "p" / "catalog";
  std::ofstream out;
  json positions = json::object();
  if (snapshot) {
    std::filesystem::create_directories(root / "snapshots");
    out.open(root / "snapshots" / "00000001767225600000-0000000000000000.ndjson.gz",
             std::ios::binary);
  }
  for (std::int64_t first = 0, segment = 0; first < items; first += 10'000, ++segment) {
    std::string lines;
    for (std::int64_t n = first; n < std::min(items, first + 10'000); ++n) {
      lines += catalog_line(random, n, bucket) + "\n";
    }
    const std::string writer = fmt::format("{:016x}", segment % writers + 1);
    const std::string name = fmt::format("{:016}-{:016}.ndjson.gz", segment / writers * 10'000 + 1,
                                         segment / writers * 10'000 + 10'000);
    positions[writer] = "p/catalog/items/" + writer + "/" + name;
    if (snapshot) {
      out << gzip_compress(lines);  // a gzip member per 10,000 lines, as compaction writes
      continue;
    }
    std::filesystem::create_directories(root / "items" / writer);
    std::ofstream(root / "items" / writer / name, std::ios::binary) << gzip_compress(lines);
  }
  if (snapshot) {
    std::ofstream(root / "snapshots" / "00000001767225600000-0000000000000000.json") << json{
        {"snapshot", "p/catalog/snapshots/00000001767225600000-0000000000000000.ndjson.gz"},
        {"items", items},
        {"positions", positions}}.dump();
  }
}

void bench_merge(const std::filesystem::path& dir, std::int64_t items) {
  std::filesystem::remove(dir / catalog::SearchIndex::kFileName);
  auto index = catalog::SearchIndex::open(dir, /*for_queries=*/false);
  if (!index.ok()) throw std::runtime_error(index.error().message);
  std::mt19937_64 random(16);
  double merge_seconds = 0;
  const long rss_before = peak_rss_mib();
  long rss_at_tenth = 0;
  if (Status bulk = index->begin_bulk_load(); !bulk.ok())
    throw std::runtime_error(bulk.error().message);
  for (std::int64_t first = 0; first < items; first += 10'000) {
    std::string lines;
    for (std::int64_t n = first; n < std::min(items, first + 10'000); ++n) {
      lines += catalog_line(random, n) + "\n";
    }
    const std::string segment = gzip_compress(lines);
    const auto start = Clock::now();
    std::vector<catalog::CatalogItem> prepared;
    Status read = for_each_gzip_line(std::string_view(segment), [&](std::string_view line) {
      json item = json::parse(line);
      item["links"] = json::array();
      auto record = catalog::index_record_from_item(item, "p/metadata/2025/01/01/x.json");
      if (!record.ok()) return Status(record.error());
      prepared.push_back({.record = std::move(*record), .item_json = item.dump(), .updated_ms = 1});
      return Status{};
    });
    if (!read.ok()) throw std::runtime_error(read.error().message);
    auto merged = index->merge_items(prepared);
    merge_seconds += std::chrono::duration<double>(Clock::now() - start).count();
    if (!merged.ok()) throw std::runtime_error(merged.error().message);
    if (first < items / 10 && first + 10'000 >= items / 10) rss_at_tenth = peak_rss_mib();
  }
  const auto start = Clock::now();
  if (Status bulk = index->end_bulk_load(); !bulk.ok())
    throw std::runtime_error(bulk.error().message);
  merge_seconds += std::chrono::duration<double>(Clock::now() - start).count();
  fmt::print(
      "merge: {} Items in {:.1f} s: {:.0f} Items/s (inflate + parse + prepare + merge_items on "
      "one thread, bulk mode, indexes built at the end); peak RSS {} MiB before, {} MiB at 10%, {} "
      "MiB at the end\n",
      items, merge_seconds, items / merge_seconds, rss_before, rss_at_tenth, peak_rss_mib());
}

std::size_t discard(char*, std::size_t size, std::size_t count, void*) {
  return size * count;
}

void bench_search(const std::filesystem::path& dir, int clients, int requests) {
  auto pool = std::make_shared<api::SqliteIndexPool>(dir);
  auto stac = std::make_shared<api::StacApi>(
      api::ApiSettings{.collection_id = "p",
                       .title = "bench",
                       .description = "bench",
                       .asset_href = [](const std::string& key) { return "https://s3/" + key; }},
      pool->provider());
  api::HttpServerOptions options;
  options.address.host = "127.0.0.1";
  options.threads = 8;
  auto server = api::HttpServer::start(
      options, [stac](const api::ApiRequest& request) { return stac->handle(request); });
  if (!server.ok()) throw std::runtime_error(server.error().message);
  const std::string base = fmt::format("http://127.0.0.1:{}/search", (*server)->port());
  std::vector<std::vector<double>> latencies(clients);
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      CURL* curl = curl_easy_init();
      std::mt19937_64 random(c);
      std::uniform_real_distribution<double> unit(0, 1);
      curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
      for (int r = 0; r < requests; ++r) {
        const double west = unit(random) * 358 - 180, south = unit(random) * 138 - 70;
        const std::int64_t from =
            kStartSeconds + static_cast<std::int64_t>(unit(random) * (kSpanSeconds - 30 * 86'400));
        const std::string url =
            fmt::format("{}?bbox={:.3f},{:.3f},{:.3f},{:.3f}&datetime={}/{}&limit=10", base, west,
                        south, west + 1, south + 1, timestamp(from), timestamp(from + 30 * 86'400));
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        const auto sent = Clock::now();
        curl_easy_perform(curl);
        latencies[c].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
      }
      curl_easy_cleanup(curl);
    });
  }
  for (auto& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (const auto& list : latencies) all.insert(all.end(), list.begin(), list.end());
  std::sort(all.begin(), all.end());
  auto at = [&](double q) { return all[static_cast<std::size_t>(q * (all.size() - 1))]; };
  fmt::print(
      "/search: {} clients x {} requests: p50 {:.1f} ms, p90 {:.1f} ms, p99 {:.1f} ms, "
      "max {:.1f} ms; {:.0f} requests/s\n",
      clients, requests, at(0.5), at(0.9), at(0.99), all.back(), all.size() / seconds);
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t items = 1'000'000;
  int clients = 50, requests = 100;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "imgsync-catalog-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--items") items = std::stoll(argv[i + 1]);
    if (flag == "--clients") clients = std::stoi(argv[i + 1]);
    if (flag == "--requests") requests = std::stoi(argv[i + 1]);
    if (flag == "--dir") dir = argv[i + 1];
  }
  std::filesystem::create_directories(dir);
  if (argc >= 4 &&
      (std::string(argv[1]) == "--write-segments" || std::string(argv[1]) == "--write-snapshot")) {
    write_catalog(argv[2], std::stoll(argv[3]), argc >= 5 ? std::stoi(argv[4]) : 3,
                  std::string(argv[1]) == "--write-snapshot", argc >= 6 ? argv[5] : "b");
    return 0;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  try {
    bench_merge(dir, items);
    bench_search(dir, clients, requests);
  } catch (const std::exception& error) {
    fmt::print(stderr, "catalog_bench: {}\n", error.what());
    return 1;
  }
  return 0;
}
