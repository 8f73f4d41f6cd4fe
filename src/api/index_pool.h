// Connections to the local SQLite index for a server's threads: each request borrows one (opened
// on first need, kept for the next request), so queries run in parallel, each on its own
// connection, as SQLite requires.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "api/stac_api.h"
#include "catalog/search_index.h"

namespace imgsync::api {

class SqliteIndexPool : public std::enable_shared_from_this<SqliteIndexPool> {
 public:
  explicit SqliteIndexPool(std::filesystem::path state_dir) : state_dir_(std::move(state_dir)) {}
  // An index connection until the lease goes.
  Result<std::unique_ptr<IndexLease>> borrow();
  IndexProvider provider() {
    return [pool = shared_from_this()] { return pool->borrow(); };
  }

 private:
  friend class PooledIndex;
  void give_back(std::unique_ptr<catalog::SearchIndex> index);

  std::filesystem::path state_dir_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<catalog::SearchIndex>> idle_;
};

}  // namespace imgsync::api
