#include "app/item_index_factory.h"

#include "app/shared_catalog.h"
#include "catalog/search_index.h"

namespace imgsync::app {

bool uses_shared_catalog(const config::AppConfig& config) {
  return !config.catalog.url.empty();
}

Result<std::unique_ptr<catalog::PgItemIndex>> open_shared_catalog(
    const config::CatalogSettings& settings, const BucketLocation& location) {
  if (Status ok = config::check_catalog_url(settings.url, "catalog"); !ok.ok()) return ok.error();
  return catalog::PgItemIndex::open(
      {.target = {.url = settings.url, .password = config::catalog_password(settings)},
       .collection = default_collection_id(location)});
}

Result<std::unique_ptr<catalog::ItemIndex>> open_item_index(const config::AppConfig& config,
                                                            const BucketLocation& location,
                                                            IndexUse use) {
  if (uses_shared_catalog(config)) {
    auto shared = open_shared_catalog(config.catalog, location);
    if (!shared.ok()) return shared.take_error();
    return std::unique_ptr<catalog::ItemIndex>(std::move(*shared));
  }
  auto local = catalog::SearchIndex::open(config.state_dir, use == IndexUse::kQueries);
  if (!local.ok()) return local.take_error();
  return std::unique_ptr<catalog::ItemIndex>(
      std::make_unique<catalog::SearchIndex>(std::move(*local)));
}

}  // namespace imgsync::app
