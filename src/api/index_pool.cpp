#include "api/index_pool.h"

namespace imgsync::api {

class PooledIndex : public IndexLease {
 public:
  PooledIndex(std::shared_ptr<SqliteIndexPool> pool, std::unique_ptr<catalog::ItemIndex> index)
      : pool_(std::move(pool)), index_(std::move(index)) {}
  ~PooledIndex() override { pool_->give_back(std::move(index_)); }
  catalog::ItemIndex& index() override { return *index_; }

 private:
  std::shared_ptr<SqliteIndexPool> pool_;
  std::unique_ptr<catalog::ItemIndex> index_;
};

SqliteIndexPool::SqliteIndexPool(std::filesystem::path state_dir)
    : open_([state_dir = std::move(state_dir)]() -> Result<std::unique_ptr<catalog::ItemIndex>> {
        auto opened = catalog::SearchIndex::open(state_dir);
        if (!opened.ok()) return opened.take_error();
        return std::unique_ptr<catalog::ItemIndex>(
            std::make_unique<catalog::SearchIndex>(std::move(*opened)));
      }) {}

Result<std::unique_ptr<IndexLease>> SqliteIndexPool::borrow() {
  std::unique_ptr<catalog::ItemIndex> index;
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      index = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!index) {
    auto opened = open_();
    if (!opened.ok()) return opened.take_error();
    index = std::move(*opened);
  }
  return std::unique_ptr<IndexLease>(new PooledIndex(shared_from_this(), std::move(index)));
}

void SqliteIndexPool::give_back(std::unique_ptr<catalog::ItemIndex> index) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(index));
}

}  // namespace imgsync::api
