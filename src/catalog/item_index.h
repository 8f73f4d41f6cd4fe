// The index of an archive's STAC Items, whatever keeps it: the embedded SQLite file beside the
// journal (catalog::SearchIndex, the default) implements it, and a shared PostgreSQL/PostGIS
// catalog can. Search, `imgsync serve`, `index pull` and the catalog segment writer speak only
// to this interface.
//
// Two ways in. upsert_item() is a change made here (sync, watch, rebuild): it replaces the Item
// whatever it held and marks it as this machine's, to be appended to the bucket's catalog by the
// next segment (for_each_change). merge_item() is an Item read from the bucket's catalog:
// kept only when its `updated` time is newer than the copy held, so a segment read twice, or
// segments read in any order, leave the same index (merging is idempotent on the Item's id; an
// archive is one collection, so (collection, id) and id name the same Item).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/item_query.h"
#include "util/result.h"

namespace imgsync::catalog {

enum class MergeOutcome { kAdded, kReplaced, kKeptNewer };
enum class ChangeScope { kLocal, kAll };

// An Item read from the shared catalog, made ready to merge away from the index's thread (the
// JSON parsed, the fields the index keeps pulled out), so a pull parses on other cores while the
// index writes.
struct CatalogItem {
  IndexRecord record;     // index_record_from_item() of the Item
  std::string item_json;  // the Item as the index holds it (hrefs relative to record.item_key)
  std::int64_t updated_ms = 0;
};

struct MergeCounts {
  std::int64_t added = 0, replaced = 0, kept = 0;
};

// One Item with its change position, in the order the changes were made.
struct LocalChange {
  std::int64_t sequence = 0;  // increasing; a later change of the same Item gets a new one
  std::int64_t updated_ms = 0;
  std::string id, item_key, item_json;
};

// One Item for merge_items().
struct ItemToMerge {
  nlohmann::json item;
  std::string item_key;
  std::int64_t updated_ms = 0;
};

class ItemIndex {
 public:
  virtual ~ItemIndex() = default;

  // A change made on this machine; `updated` is the Item's properties.updated, else now.
  virtual Status upsert_item(const nlohmann::json& item, const std::string& item_key) = 0;
  // An Item from the shared catalog, with its updated time (ms since the epoch).
  virtual Result<MergeOutcome> merge_item(const nlohmann::json& item, const std::string& item_key,
                                          std::int64_t updated_ms) = 0;
  // merge_item() for each, in order (an Item met twice merges twice); a server-backed index
  // sends them in one round trip.
  virtual Result<std::vector<MergeOutcome>> merge_parsed(const std::vector<ItemToMerge>& items) {
    std::vector<MergeOutcome> outcomes;
    for (const auto& one : items) {
      auto merged = merge_item(one.item, one.item_key, one.updated_ms);
      if (!merged.ok()) return merged.take_error();
      outcomes.push_back(*merged);
    }
    return outcomes;
  }
  // Many catalog Items (prepared by `index pull` off the index's thread) in the caller's
  // transaction, as merge_parsed(); an index that can use the prepared records directly (the
  // SQLite one) overrides it.
  virtual Result<MergeCounts> merge_items(const std::vector<CatalogItem>& items) {
    std::vector<ItemToMerge> parsed;
    parsed.reserve(items.size());
    for (const auto& item : items) {
      parsed.push_back({nlohmann::json::parse(item.item_json, nullptr, false),
                        item.record.item_key, item.updated_ms});
    }
    auto outcomes = merge_parsed(parsed);
    if (!outcomes.ok()) return outcomes.take_error();
    MergeCounts counts;
    for (const MergeOutcome outcome : *outcomes) {
      ++(outcome == MergeOutcome::kAdded      ? counts.added
         : outcome == MergeOutcome::kReplaced ? counts.replaced
                                              : counts.kept);
    }
    return counts;
  }
  virtual Status remove(const std::string& id) = 0;
  virtual Status clear() = 0;
  virtual Result<std::int64_t> count() = 0;

  virtual Result<std::vector<SearchHit>> search(const SearchQuery& query) = 0;
  // Every Item's JSON, in id order.
  virtual Status for_each_item(
      const std::function<Status(const std::string& id, const std::string& item_key,
                                 const std::string& item_json)>& visit) = 0;
  // kLocal: this machine's changes with a sequence above `after`, oldest first (what the next
  // catalog segment carries). kAll: every Item, `after` ignored (a snapshot; an Item indexed
  // before changes were recorded has sequence and updated 0).
  virtual Status for_each_change(std::int64_t after, ChangeScope scope,
                                 const std::function<Status(const LocalChange&)>& visit) = 0;

  // Small named values kept with the index (the writer id, the last segment published or
  // pulled); nullopt when never set.
  virtual Result<std::optional<std::string>> setting(const std::string& name) = 0;
  virtual Status set_setting(const std::string& name, const std::string& value) = 0;

  // A hint that many merges follow (a pull of a large catalog): the index may set aside what it
  // rebuilds faster in one go afterwards. end_bulk_load() restores it; an index a crash left in
  // bulk mode is whole again when next opened. Searches stay correct meanwhile, only slower.
  virtual Status begin_bulk_load() { return {}; }
  virtual Status end_bulk_load() { return {}; }

  // Runs `work` as one transaction: all of its changes, or none when it fails.
  virtual Status in_transaction(const std::function<Status()>& work) = 0;
};

}  // namespace imgsync::catalog
