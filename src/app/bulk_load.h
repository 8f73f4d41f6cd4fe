// Bulk mode (catalog::ItemIndex::begin_bulk_load) for a load of many Items against those an
// index holds: `index pull` (a round of it) and `index migrate` into a shared catalog; and for
// `index rebuild`, which writes the whole index again.
#pragma once

#include <algorithm>
#include <cstdint>

#include "catalog/item_index.h"

namespace imgsync::app {

// Bulk mode for the rest of a load, once the Items ahead are many (50,000) and at least a
// quarter of those held; ended by finish() or, however the load ends, the destructor.
class BulkLoad {
 public:
  explicit BulkLoad(catalog::ItemIndex& index) : index_(index) {}
  ~BulkLoad() { (void)finish(); }
  BulkLoad(const BulkLoad&) = delete;
  BulkLoad& operator=(const BulkLoad&) = delete;

  Status consider(std::int64_t incoming) {
    if (active_) return {};
    auto held = index_.count();
    if (!held.ok()) return held.error();
    if (incoming < std::max<std::int64_t>(kBulkItems, *held / 4)) return {};
    return begin();
  }
  // Bulk mode whatever the size: for a load that writes the whole index again (a rebuild).
  Status begin() {
    if (active_) return {};
    active_ = true;
    return index_.begin_bulk_load();
  }
  Status finish() {
    if (!active_) return {};
    active_ = false;
    return index_.end_bulk_load();
  }

 private:
  static constexpr std::int64_t kBulkItems = 50'000;
  catalog::ItemIndex& index_;
  bool active_ = false;
};

}  // namespace imgsync::app
