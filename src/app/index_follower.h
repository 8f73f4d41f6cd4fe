// The local search index kept current beside the journal during a sync: Items written in one
// transaction per kCommitEvery at most (a timer on the transfer loop commits it even when no
// other Item follows). The index follows the journal and is rebuilt from the bucket, so a failure
// or a lost batch costs only search until then ('imgsync index rebuild' mends it): after one the
// follower stops writing.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "catalog/search_index.h"
#include "s3/http_engine.h"

namespace imgsync::app {

class IndexFollower {
 public:
  static constexpr std::chrono::milliseconds kCommitEvery{250};

  // `index` may be null (no state directory, or it could not be opened): nothing is written.
  IndexFollower(std::unique_ptr<catalog::SearchIndex> index, s3::HttpEngine& engine);
  ~IndexFollower();  // commits what is pending
  IndexFollower(const IndexFollower&) = delete;
  IndexFollower& operator=(const IndexFollower&) = delete;

  void upsert(const nlohmann::json& item, const std::string& item_key);
  void commit();

 private:
  void drop();

  std::unique_ptr<catalog::SearchIndex> index_;
  s3::HttpEngine& engine_;
  std::unique_ptr<catalog::SearchIndex::Batch> batch_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for a timer that outlives it
};

}  // namespace imgsync::app
