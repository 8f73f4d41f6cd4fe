#include "app/catalog_publisher.h"

#include "catalog/search_index.h"

namespace imgsync::app {

Result<AppendReport> CatalogPublisher::publish() {
  auto index = catalog::SearchIndex::open(state_dir_, /*for_queries=*/false);
  if (!index.ok()) return index.take_error();
  s3::S3Client client(s3_);
  return append_segments(*index, client, location_);
}

void IntervalThread::start(std::chrono::milliseconds interval, bool first_at_once,
                           bool last_at_stop, std::function<void()> work) {
  stopping_ = false;
  thread_ = std::thread([this, interval, first_at_once, last_at_stop, work = std::move(work)] {
    if (first_at_once) work();  // even when stop() came first: a --once run still gets it
    std::unique_lock lock(mutex_);
    while (true) {
      const bool stopped = wake_.wait_for(lock, interval, [this] { return stopping_; });
      if (stopped && !last_at_stop) return;
      lock.unlock();
      work();
      lock.lock();
      if (stopped) return;
    }
  });
}

void IntervalThread::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CatalogPublisher::start(std::chrono::milliseconds interval,
                             std::function<void(const Error&)> on_error) {
  thread_.start(interval, /*first_at_once=*/false, /*last_at_stop=*/true,
                [this, on_error = std::move(on_error)] {
                  auto published = publish();
                  if (!published.ok() && on_error) on_error(published.error());
                });
}

}  // namespace imgsync::app
