// Merging many Items into the shared catalog (src/catalog/pg_merge.cpp: COPY into a staging
// table, then set-wise statements) gives what merging them one by one gives, with writers
// racing; bulk mode sets the search indexes aside and builds them again, also after a loader
// that died. On the server of pg_item_index_test (same binary).
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "catalog/item_index_suite.h"
#include "catalog/pg_item_index.h"
#include "catalog/search_index.h"
#include "support/pg_server.h"

namespace imgsync::catalog {
namespace {

using suite::Synthetic;
using testing::PgServerEnvironment;

std::unique_ptr<PgItemIndex> open_writer(const std::string& collection) {
  auto opened =
      PgItemIndex::open({.target = {.url = PgServerEnvironment::info().url, .password = ""},
                         .collection = collection});
  EXPECT_TRUE(opened.ok()) << opened.error().message;
  return opened.ok() ? std::move(*opened) : nullptr;
}

// Two writers with their own connections race over the same `count` Items in opposite orders,
// merging `batch` at a time (1: merge_item; 150: the bulk path, pg_merge.cpp); then a replay of
// an older copy: the newest copy of each wins, once, whatever the order (a deadlock between
// the writers is retried as a whole transaction).
void race_writers(std::size_t count, std::size_t batch) {
  const std::string collection = testing::unique_collection();
  auto items = suite::synthetic_items(static_cast<int>(count), 77);
  auto write = [&](std::int64_t updated_base, int direction) {
    auto writer = open_writer(collection);
    ASSERT_TRUE(writer);
    std::vector<ItemToMerge> pending;
    for (std::size_t n = 0; n < items.size(); ++n) {
      const auto& s = items[direction > 0 ? n : items.size() - 1 - n];
      auto item = s.item();
      item["properties"]["title"] = "written at " + std::to_string(updated_base);
      if (batch == 1) {
        ASSERT_TRUE(writer->merge_item(item, s.item_key(), updated_base).ok());
        continue;
      }
      pending.push_back({item, s.item_key(), updated_base});
      if (pending.size() == batch || n + 1 == items.size()) {
        auto merged = writer->merge_parsed(pending);
        ASSERT_TRUE(merged.ok()) << merged.error().message;
        pending.clear();
      }
    }
  };
  std::thread first(write, 1000, 1), second(write, 2000, -1);
  first.join();
  second.join();
  write(1500, 1);  // a replay of an older copy
  auto reader = open_writer(collection);
  ASSERT_TRUE(reader);
  EXPECT_EQ(*reader->count(), static_cast<std::int64_t>(count));
  std::size_t rows = 0, newest = 0;
  ASSERT_TRUE(reader
                  ->for_each_item(
                      [&](const std::string&, const std::string&, const std::string& item_json) {
                        ++rows;
                        newest += nlohmann::json::parse(item_json)["properties"]["title"] ==
                                  "written at 2000";
                        return Status{};
                      })
                  .ok());
  EXPECT_EQ(rows, count);
  EXPECT_EQ(newest, count);
}

TEST(PgItemIndex, ConcurrentWritersKeepTheNewestCopy) {
  race_writers(300, 1);
}
TEST(PgItemIndex, ConcurrentBulkWritersKeepTheNewestCopy) {
  race_writers(600, 150);
}

// A batch large enough for the bulk path (COPY into a staging table, pg_merge.cpp) merges as
// merge_item() one by one does, as the SQLite index merges it: the same outcome for each copy
// (an Item met several times in the batch, older, equal and newer than the copy held or than
// an earlier copy in the batch), the same Items kept, fields with tabs, newlines, backslashes
// and quotes intact, an Item moved to another year's partition; merge_items() counts the same.
TEST(PgItemIndex, BulkMergeIsMergeItemForEach) {
  testing::ScratchDir scratch("imgsync-pg-bulk-merge");
  auto sqlite = SearchIndex::open(scratch.path());
  ASSERT_TRUE(sqlite.ok());
  auto pg = open_writer(testing::unique_collection());
  ASSERT_TRUE(pg);
  auto items = suite::synthetic_items(400, 1717);
  items[3].make = "tab\there \"quoted\" back\\slash";
  items[3].model = "new\nline\rreturn";
  items[3].tags = {"a\tb", "c\\d", "e\"f", "{g,h}", "NULL", "\\N"};
  std::vector<ItemIndex*> both{&*sqlite, pg.get()};
  for (ItemIndex* index : both) {  // the catalog holds the first 150 at 500
    for (int n = 0; n < 150; ++n) {
      ASSERT_TRUE(index->merge_item(items[n].item(), items[n].item_key(), 500).ok());
    }
  }
  std::mt19937_64 random(5);
  std::vector<ItemToMerge> batch;
  for (int n = 0; n < 900; ++n) {
    Synthetic s = items[n < 400 ? n : random() % 200];  // every Item, then repeats
    if (n % 7 == 0) s.local_ms += 400 * suite::kDayMs;  // to another year
    auto item = s.item();
    item["properties"]["title"] = "copy " + std::to_string(n);
    batch.push_back({item, s.item_key(), 400 + 100 * static_cast<std::int64_t>(random() % 4)});
  }
  ASSERT_GE(batch.size(), kPgCopyFrom);
  auto expected = sqlite->merge_parsed(batch);
  auto merged = pg->merge_parsed(batch);
  ASSERT_TRUE(expected.ok() && merged.ok()) << (merged.ok() ? "" : merged.error().message);
  EXPECT_EQ(*merged, *expected);
  std::map<MergeOutcome, int> kinds;
  for (auto outcome : *merged) ++kinds[outcome];
  EXPECT_EQ(kinds[MergeOutcome::kAdded], 250);
  EXPECT_GT(kinds[MergeOutcome::kReplaced], 100);
  EXPECT_GT(kinds[MergeOutcome::kKeptNewer], 100);
  std::vector<std::vector<std::string>> held(2);
  for (int b = 0; b < 2; ++b) {
    ASSERT_TRUE(both[b]
                    ->for_each_item([&](const std::string& id, const std::string& key,
                                        const std::string& json) {
                      held[b].push_back(id + " " + key + " " + json);
                      return Status{};
                    })
                    .ok());
  }
  EXPECT_EQ(held[1], held[0]);
  EXPECT_EQ(*pg->count(), 400);
  SearchQuery query;
  query.limit = 1000;
  auto a = sqlite->search(query);
  auto b = pg->search(query);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), b->size());
  for (std::size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*a)[i].id, (*b)[i].id);
    EXPECT_EQ((*a)[i].make + "|" + (*a)[i].model, (*b)[i].make + "|" + (*b)[i].model);
    EXPECT_EQ((*a)[i].local_ms, (*b)[i].local_ms);
  }
  std::vector<CatalogItem> prepared;  // the same batch again, as `index pull` merges it
  for (const auto& one : batch) {
    prepared.push_back({.record = *index_record_from_item(one.item, one.item_key),
                        .item_json = one.item.dump(),
                        .updated_ms = one.updated_ms});
  }
  auto counts = pg->merge_items(prepared);
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  EXPECT_EQ(counts->added + counts->replaced, 0);
  EXPECT_EQ(counts->kept, 900);
}

// A count the server gives for `sql` (-1, and a failure, when it cannot).
std::int64_t count_of(const std::string& sql) {
  auto connection = PgConnection::connect({.url = PgServerEnvironment::info().url, .password = ""});
  EXPECT_TRUE(connection.ok());
  if (!connection.ok()) return -1;
  auto counted = connection->query(sql);
  EXPECT_TRUE(counted.ok()) << (counted.ok() ? "" : counted.error().message);
  return counted.ok() ? counted->integer(0, 0) : -1;
}

// How many of the search indexes of `items` exist (bulk mode drops the 7 of them).
std::int64_t search_indexes() {
  return count_of(
      "SELECT count(*) FROM pg_indexes WHERE schemaname = 'imgsync' AND indexname IN "
      "('items_geom', 'items_span', 'items_place', 'items_datetime', 'items_utc', "
      "'items_local', 'items_tags')");
}

// Rows of `items` that lie, in each partition's physical order, before one they follow in
// items_cell's order (collection, cell, datetime, id): 0 once the table is laid out by place.
std::int64_t rows_out_of_place_order() {
  return count_of(
      "SELECT count(*) FILTER (WHERE key < previous) FROM (SELECT key, lag(key) OVER (PARTITION "
      "BY tableoid ORDER BY ctid) AS previous FROM (SELECT tableoid, ctid, ROW(collection, "
      "imgsync.place_cell(latitude, longitude, utc_start_ms, utc_end_ms, local_ms), datetime, "
      "id) AS key FROM imgsync.items WHERE latitude IS NOT NULL) AS keyed) AS ordered");
}

// Searches answer the same in bulk mode (every row read) and after it (the indexes built
// again); a loader that dies leaves the indexes to the next connection, which builds them when
// no other loader is in bulk mode.
TEST(PgItemIndex, BulkModeSetsTheSearchIndexesAsideAndBuildsThemAgain) {
  testing::ScratchDir scratch("imgsync-pg-bulk-mode");
  auto sqlite = SearchIndex::open(scratch.path());
  ASSERT_TRUE(sqlite.ok());
  auto pg = open_writer(testing::unique_collection());
  ASSERT_TRUE(pg);
  ASSERT_EQ(search_indexes(), 7);
  ASSERT_TRUE(pg->begin_bulk_load().ok());
  EXPECT_EQ(search_indexes(), 0);
  std::vector<ItemToMerge> batch;
  for (const auto& s : suite::synthetic_items(1500, 4242)) {
    batch.push_back({s.item(), s.item_key(), 700});
  }
  ASSERT_TRUE(sqlite->merge_parsed(batch).ok());
  ASSERT_TRUE(pg->merge_parsed(batch).ok());
  EXPECT_GT(rows_out_of_place_order(), 100) << "the Items arrive in no place order";
  auto same_answers = [&](int seed) {
    std::mt19937_64 random(seed);
    for (int round = 0; round < 60; ++round) {
      const SearchQuery query = suite::random_query(random, round);
      auto a = sqlite->search(query);
      auto b = pg->search(query);
      ASSERT_TRUE(a.ok() && b.ok());
      ASSERT_EQ(a->size(), b->size()) << "round " << round;
      for (std::size_t i = 0; i < a->size(); ++i) EXPECT_EQ((*a)[i].id, (*b)[i].id);
    }
  };
  same_answers(1);
  auto other = open_writer(testing::unique_collection());  // a loader is in bulk mode: left so
  ASSERT_TRUE(other);
  EXPECT_EQ(search_indexes(), 0);
  ASSERT_TRUE(pg->end_bulk_load().ok());
  EXPECT_EQ(search_indexes(), 7);
  EXPECT_EQ(rows_out_of_place_order(), 0) << "the rows laid out by place, then time";
  same_answers(2);
  ASSERT_TRUE(other->begin_bulk_load().ok());
  EXPECT_EQ(search_indexes(), 0);
  other.reset();  // the loader dies in bulk mode
  // The next connection builds them, once the server has ended the dead loader's session.
  for (int attempt = 0; attempt < 100 && search_indexes() < 7; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_TRUE(open_writer(testing::unique_collection()));
  }
  EXPECT_EQ(search_indexes(), 7);
  same_answers(3);
}

}  // namespace
}  // namespace imgsync::catalog
