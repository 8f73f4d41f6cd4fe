// Index connections for a server's threads: each request borrows one (opened on first need,
// kept for the next request), so queries run in parallel, each on its own connection, as SQLite
// requires (and as a PostgreSQL connection, one query at a time, does too).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "api/stac_api.h"
#include "catalog/search_index.h"

namespace imgsync::api {

using IndexOpener = std::function<Result<std::unique_ptr<catalog::ItemIndex>>()>;

class SqliteIndexPool : public std::enable_shared_from_this<SqliteIndexPool> {
 public:
  // The local SQLite index in state_dir.
  explicit SqliteIndexPool(std::filesystem::path state_dir);
  // Whatever `open` opens (app::open_item_index: SQLite or the shared catalog).
  explicit SqliteIndexPool(IndexOpener open) : open_(std::move(open)) {}
  // An index connection until the lease goes.
  Result<std::unique_ptr<IndexLease>> borrow();
  IndexProvider provider() {
    return [pool = shared_from_this()] { return pool->borrow(); };
  }

 private:
  friend class PooledIndex;
  void give_back(std::unique_ptr<catalog::ItemIndex> index);

  IndexOpener open_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<catalog::ItemIndex>> idle_;
};

}  // namespace imgsync::api
