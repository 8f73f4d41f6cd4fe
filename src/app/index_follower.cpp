#include "app/index_follower.h"

namespace imgsync::app {

IndexFollower::IndexFollower(std::unique_ptr<catalog::SearchIndex> index, s3::HttpEngine& engine)
    : index_(std::move(index)), engine_(engine) {}

IndexFollower::~IndexFollower() {
  *alive_ = false;
  commit();
}

void IndexFollower::upsert(const nlohmann::json& item, const std::string& item_key) {
  if (!index_) return;
  if (!batch_) {
    batch_ = std::make_unique<catalog::SearchIndex::Batch>(*index_);
    if (!batch_->begun().ok()) return drop();
    // Never held longer than that, even when no other Item follows (a long upload next).
    engine_.schedule(kCommitEvery, [this, alive = alive_] {
      if (*alive) commit();
    });
  }
  if (!index_->upsert_item(item, item_key).ok()) drop();
}

void IndexFollower::commit() {
  if (!batch_) return;
  const bool committed = batch_->commit().ok();
  batch_.reset();
  if (!committed) drop();
}

void IndexFollower::drop() {
  batch_.reset();  // rolls back what was not committed
  index_.reset();
}

}  // namespace imgsync::app
