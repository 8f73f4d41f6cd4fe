#include "app/catalog_puller.h"

#include "app/item_index_factory.h"

namespace imgsync::app {

Result<PullReport> CatalogPuller::pull() {
  auto index = open_item_index(config_, location_, IndexUse::kWrites);
  if (!index.ok()) return index.take_error();
  s3::S3Client client(s3_);
  return pull_catalog(**index, client, location_, state_dir_ / "pull");
}

void CatalogPuller::start(std::chrono::milliseconds interval,
                          std::function<void(const PullReport&)> on_pulled,
                          std::function<void(const Error&)> on_error) {
  thread_.start(interval, /*first_at_once=*/true, /*last_at_stop=*/false,
                [this, on_pulled = std::move(on_pulled), on_error = std::move(on_error)] {
                  auto pulled = pull();
                  if (!pulled.ok()) {
                    if (on_error) on_error(pulled.error());
                  } else if (on_pulled) {
                    on_pulled(*pulled);
                  }
                });
}

}  // namespace imgsync::app
