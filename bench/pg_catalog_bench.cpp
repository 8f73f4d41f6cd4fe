// The shared PostgreSQL catalog against the SQLite index, side by side: N synthetic Items
// (bench_items.h, the archive of search_index_bench) loaded into each (Items/s), then every query
// kind of bench/search_bench run on both with the same random queries: median and p99 latency,
// in process, and a check that both found the same number of Items. The catalog is ANALYZEd
// after the load (as `index migrate` does): without statistics its planner picks poor plans.
//
//   pg_catalog_bench [--items N] [--queries Q] [--catalog URL] [--batch B] [--skip-load]
//                    [--pg-only] [--dir DIR] [--bulk] [--seed S]
//
// Without --catalog, a server of its own (scripts/pg-server, data under /tmp/imgsync-pg-bench,
// removed at the end). --skip-load reuses what a previous run with the same N loaded into
// --catalog and the SQLite index in /tmp/imgsync-pg-bench (kept between runs). --pg-only leaves
// SQLite out (a size too large to load twice in the time at hand). --dir: where the SQLite index
// and the bench's own server live instead of /tmp/imgsync-pg-bench. --bulk loads the catalog in
// bulk mode (PgItemIndex::begin_bulk_load, as `index pull` does for a large load): the search
// indexes set aside, then built again; the rate reported counts the build. --seed: the random
// queries' seed (99 by default, the same queries in every run, so a later run finds the rows of
// an earlier one in the page cache; another seed gives queries no run made before).
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <random>

#include "bench_items.h"
#include "catalog/pg_item_index.h"
#include "catalog/search_index.h"

using imgsync::Status;
using imgsync::bench::Generator;
using imgsync::bench::Stats;
using imgsync::catalog::ItemIndex;
using imgsync::catalog::PgItemIndex;
using imgsync::catalog::SearchIndex;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::int64_t items = 100'000;
  int queries = 200;
  int batch = 1000;
  std::string catalog;
  bool skip_load = false;
  bool pg_only = false;
  bool bulk = false;
  std::uint64_t seed = 99;  // of the queries: another seed, queries no earlier run made
  std::filesystem::path dir = "/tmp/imgsync-pg-bench";
};

// The next `count` synthetic Items from `first` on, as the index is given them.
std::vector<imgsync::catalog::ItemToMerge> make_chunk(Generator& generator, std::int64_t first,
                                                      std::int64_t count) {
  std::vector<imgsync::catalog::ItemToMerge> chunk;
  chunk.reserve(static_cast<std::size_t>(count));
  for (std::int64_t n = first; n < first + count; ++n) {
    json item = generator.item(n);
    std::string key = item["key"];
    item.erase("key");
    chunk.push_back({.item = std::move(item), .item_key = std::move(key), .updated_ms = 1});
  }
  return chunk;
}

// Loads `items` Items in transactions of `batch`, as sync writes the local index (upsert, one by
// one) or as the catalog is written by forwarding and `index migrate` (merge_parsed: on PostgreSQL
// a COPY into a staging table and a few statements per batch); Items/s. The synthetic Items are
// made on a thread of their own, one batch ahead (the generator is the bench's cost, not the
// index's; `index pull` prepares Items on other threads too).
double load(ItemIndex& index, std::int64_t items, int batch, bool merge) {
  Generator generator;
  const auto start = Clock::now();
  auto next = std::async(std::launch::async, make_chunk, std::ref(generator), 0,
                         std::min<std::int64_t>(batch, items));
  for (std::int64_t done = 0; done < items;) {
    auto chunk = next.get();
    const std::int64_t before = done;
    done += static_cast<std::int64_t>(chunk.size());
    if (done / 1'000'000 > before / 1'000'000 && done < items) {  // progress, for long loads
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      fmt::print("  {} Items sent, {:.0f} Items/s so far\n", before, before / seconds);
    }
    if (done < items) {
      next = std::async(std::launch::async, make_chunk, std::ref(generator), done,
                        std::min<std::int64_t>(batch, items - done));
    }
    Status ok = index.in_transaction([&]() -> Status {
      if (merge) {
        auto merged = index.merge_parsed(chunk);
        return merged.ok() ? Status{} : Status(merged.error());
      }
      for (const auto& one : chunk) {
        if (Status put = index.upsert_item(one.item, one.item_key); !put.ok()) return put;
      }
      return {};
    });
    if (!ok.ok()) {
      fmt::print(stderr, "load: {}\n", ok.error().message);
      std::exit(1);
    }
  }
  return static_cast<double>(items) / std::chrono::duration<double>(Clock::now() - start).count();
}

std::string start_own_server(const std::filesystem::path& dir) {
  const std::string command = "scripts/pg-server start " + (dir / "pg").string();
  FILE* pipe = ::popen(command.c_str(), "r");
  char line[512] = {};
  std::string url;
  if (pipe != nullptr && std::fgets(line, sizeof line, pipe) != nullptr) url = line;
  if (pipe != nullptr) ::pclose(pipe);
  if (!url.starts_with("url=")) {
    fmt::print(stderr, "scripts/pg-server did not start (run from the repository root)\n");
    std::exit(1);
  }
  url = url.substr(4);
  while (!url.empty() && (url.back() == '\n' || url.back() == '\r')) url.pop_back();
  return url;
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : "";
    if (flag == "--items") options.items = std::stoll(value), ++i;
    if (flag == "--queries") options.queries = std::stoi(value), ++i;
    if (flag == "--batch") options.batch = std::stoi(value), ++i;
    if (flag == "--catalog") options.catalog = value, ++i;
    if (flag == "--skip-load") options.skip_load = true;
    if (flag == "--pg-only") options.pg_only = true;
    if (flag == "--dir") options.dir = value, ++i;
    if (flag == "--bulk") options.bulk = true;
    if (flag == "--seed") options.seed = std::stoull(value), ++i;
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse(argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows in a log as it happens
  const bool own_server = options.catalog.empty();
  if (own_server) {
    std::filesystem::remove_all(options.dir / "pg");
    std::filesystem::create_directories(options.dir);
    options.catalog = start_own_server(options.dir);
  }
  const std::string collection = fmt::format("bench-{}", options.items);
  auto pg = PgItemIndex::open(
      {.target = {.url = options.catalog, .password = ""}, .collection = collection});
  if (!pg.ok()) {
    fmt::print(stderr, "{}\n", pg.error().message);
    return 1;
  }
  const auto sqlite_dir = options.dir / (options.pg_only ? "pg-only" : collection);
  if (!options.skip_load || options.pg_only) std::filesystem::remove_all(sqlite_dir);
  auto sqlite = SearchIndex::open(sqlite_dir);  // empty with --pg-only
  if (!sqlite.ok()) return 1;
  if (!options.skip_load) {
    if (Status cleared = (*pg)->clear(); !cleared.ok()) return 1;
    if (!options.pg_only) {
      const double sqlite_rate = load(*sqlite, options.items, 10'000, /*merge=*/false);
      fmt::print("SQLite:  loaded {} Items, {:.0f} Items/s (upserts, transactions of 10,000)\n",
                 options.items, sqlite_rate);
    }
    const auto pg_start = Clock::now();
    if (options.bulk && !(*pg)->begin_bulk_load().ok()) return 1;
    const double pg_rate = load(**pg, options.items, options.batch, /*merge=*/true);
    const auto build_start = Clock::now();
    if (options.bulk && !(*pg)->end_bulk_load().ok()) return 1;
    const auto vacuum_start = Clock::now();
    if (Status analyzed = (*pg)->analyze(); !analyzed.ok()) return 1;  // as index migrate does
    auto seconds = [](Clock::time_point from, Clock::time_point to) {
      return std::chrono::duration<double>(to - from).count();
    };
    fmt::print(
        "PostGIS: loaded {} Items, {:.0f} Items/s (merge_parsed, transactions of {}, one "
        "connection{}; then VACUUM ANALYZE {:.1f} s)\n",
        options.items, pg_rate, options.batch,
        options.bulk ? fmt::format("; bulk mode: the indexes built in {:.1f} s, {:.0f} Items/s "
                                   "with them",
                                   seconds(build_start, vacuum_start),
                                   options.items / seconds(pg_start, vacuum_start))
                     : "",
        seconds(vacuum_start, Clock::now()));
  }
  Generator generator;
  std::mt19937_64 random(options.seed);
  int mismatches = 0;
  fmt::print("{:<26} {:>22} {:>22} {:>16}\n", "query kind (n each)", "SQLite p50 / p99 ms",
             "PostGIS p50 / p99 ms", "results median");
  for (auto& kind : imgsync::bench::query_kinds(generator, random)) {
    Stats lite, post;
    for (int q = 0; q < options.queries; ++q) {
      const auto query = kind.make();
      for (auto [index, stats] : {std::pair<ItemIndex*, Stats*>{&*sqlite, &lite},
                                  std::pair<ItemIndex*, Stats*>{pg->get(), &post}}) {
        if (options.pg_only && stats == &lite) continue;
        const auto start = Clock::now();
        auto hits = index->search(query);
        stats->milliseconds.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        if (!hits.ok()) {
          fmt::print(stderr, "{}\n", hits.error().message);
          return 1;
        }
        stats->results.push_back(hits->size());
      }
      if (!options.pg_only) mismatches += lite.results.back() != post.results.back();
    }
    auto results = post.results;
    std::sort(results.begin(), results.end());
    const std::string sqlite_column =
        options.pg_only ? "-"
                        : fmt::format("{:.2f} / {:>9.2f}", lite.quantile(0.5), lite.quantile(0.99));
    fmt::print("{:<26} {:>22} {:>10.2f} / {:>9.2f} {:>16}\n", kind.label, sqlite_column,
               post.quantile(0.5), post.quantile(0.99), results[results.size() / 2]);
  }
  fmt::print("queries whose result counts differ between the backends: {}\n", mismatches);
  if (own_server) {  // its data goes with it (the SQLite index stays for --skip-load)
    std::system(("scripts/pg-server stop " + (options.dir / "pg").string()).c_str());
    std::filesystem::remove_all(options.dir / "pg");
  }
  return mismatches == 0 ? 0 : 2;
}
