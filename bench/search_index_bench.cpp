// The search index at scale: N synthetic Items (default 1,000,000) in a fresh index.sqlite, then
// the latency of box+time queries and radius queries, in process (no start-up), median and p99
// over many random queries, with the size of their result sets. Also the index build rate.
//
//   search_index_bench [--items N] [--queries Q] [--dir DIR] [--skip-load] [--kind TEXT]
//
// --skip-load queries the index a previous run left in DIR (kept between runs) instead of
// building it again. --kind runs only the kinds whose label contains TEXT (for a profiler); the
// others' queries are still drawn, so each kind asks the same queries as in a full run.
//   search_index_bench --write-items DIR N     # N Item files for the rebuild benchmark
//
// The Items and the query kinds: bench_items.h (shared with pg_catalog_bench).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include <time.h>

#include "bench_items.h"
#include "catalog/search_index.h"

using imgsync::bench::Generator;
using imgsync::bench::Stats;
using imgsync::catalog::SearchIndex;
using imgsync::catalog::SearchQuery;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// The CPU time of this thread: what a query costs, apart from waiting for a CPU on a busy machine.
double thread_cpu_milliseconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

int main(int argc, char** argv) {
  std::int64_t items = 1'000'000;
  int queries = 1000;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "imgsync-search-bench";
  bool skip_load = false;
  std::string only_kind;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--skip-load") skip_load = true;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--skip-load") {
      --i;
      continue;
    }
    if (flag == "--items") items = std::stoll(argv[i + 1]);
    if (flag == "--queries") queries = std::stoi(argv[i + 1]);
    if (flag == "--dir") dir = argv[i + 1];
    if (flag == "--kind") only_kind = argv[i + 1];
    if (flag == "--write-items" && i + 2 < argc) {
      const std::filesystem::path out = argv[i + 1];
      const std::int64_t count = std::stoll(argv[i + 2]);
      Generator generator;
      for (std::int64_t n = 0; n < count; ++n) {
        json item = generator.item(n);
        const std::string key = item["key"];
        item.erase("key");
        const auto path = out / key.substr(key.find("metadata/"));
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path) << item.dump();
      }
      return 0;
    }
  }
  if (!skip_load) std::filesystem::remove_all(dir);
  auto opened = SearchIndex::open(dir);
  if (!opened.ok()) {
    fmt::print(stderr, "{}\n", opened.error().message);
    return 1;
  }
  SearchIndex& index = *opened;
  Generator generator;

  // Build: Items as sync or rebuild would hand them over, in batches of 10,000.
  const auto build_start = Clock::now();
  for (std::int64_t done = skip_load ? items : 0; done < items;) {
    SearchIndex::Batch batch(index);
    for (int n = 0; n < 10'000 && done < items; ++n, ++done) {
      json item = generator.item(done);
      const std::string key = item["key"];
      item.erase("key");
      if (imgsync::Status ok = index.upsert_item(item, key); !ok.ok()) {
        fmt::print(stderr, "{}\n", ok.error().message);
        return 1;
      }
    }
    if (imgsync::Status ok = batch.commit(); !ok.ok()) return 1;
  }
  const double build_seconds = std::chrono::duration<double>(Clock::now() - build_start).count();
  if (!skip_load)
    fmt::print("built {} Items in {:.1f} s: {:.0f} Items/s; index.sqlite {:.0f} MiB\n", items,
               build_seconds, items / build_seconds,
               std::filesystem::file_size(dir / SearchIndex::kFileName) / 1048576.0);

  std::mt19937_64 random(99);
  std::uniform_real_distribution<double> unit(0, 1);
  auto run = [&](const std::string& label, auto make_query) {
    Stats stats;
    for (int q = 0; q < queries; ++q) {
      SearchQuery query = make_query();
      if (label.find(only_kind) == std::string::npos) continue;
      const double cpu_start = thread_cpu_milliseconds();
      const auto start = Clock::now();
      auto hits = index.search(query);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      stats.cpu_milliseconds.push_back(thread_cpu_milliseconds() - cpu_start);
      if (!hits.ok()) {
        fmt::print(stderr, "{}\n", hits.error().message);
        std::exit(1);
      }
      stats.milliseconds.push_back(ms);
      stats.results.push_back(hits->size());
    }
    if (!stats.milliseconds.empty()) stats.print(label.c_str());
  };
  for (auto& kind : imgsync::bench::query_kinds(generator, random)) run(kind.label, kind.make);
  return 0;
}
