#include "app/catalog_publisher.h"

#include "catalog/search_index.h"

namespace imgsync::app {

Result<AppendReport> CatalogPublisher::publish() {
  auto index = catalog::SearchIndex::open(state_dir_, /*for_queries=*/false);
  if (!index.ok()) return index.take_error();
  s3::S3Client client(s3_);
  return append_segments(*index, client, location_);
}

void CatalogPublisher::start(std::chrono::milliseconds interval,
                             std::function<void(const Error&)> on_error) {
  thread_ = std::thread([this, interval, on_error = std::move(on_error)] {
    std::unique_lock lock(mutex_);
    while (true) {
      const bool last = wake_.wait_for(lock, interval, [this] { return stopping_; });
      lock.unlock();
      auto published = publish();
      if (!published.ok() && on_error) on_error(published.error());
      lock.lock();
      if (last) return;
    }
  });
}

void CatalogPublisher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace imgsync::app
