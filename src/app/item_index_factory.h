// Which ItemIndex a command reads and writes: the shared PostgreSQL catalog when [catalog] url
// (or --catalog) names one (catalog/pg_item_index.h), else the local SQLite index in the state
// directory (catalog/search_index.h). Search, serve, `index pull`, `index publish` and
// `index migrate` open theirs here.
//
// sync and watch always write the local index first, as before: with a shared catalog it is
// also the outbox from which app/catalog_forwarder.h copies each change to the catalog, so an
// unreachable catalog delays Items and loses none.
#pragma once

#include <memory>

#include "app/search_service.h"
#include "catalog/item_index.h"
#include "catalog/pg_item_index.h"
#include "config/app_config.h"

namespace imgsync::app {

enum class IndexUse { kQueries, kWrites };

bool uses_shared_catalog(const config::AppConfig& config);

// The shared catalog of `settings` (url not empty), scoped to the archive's collection.
Result<std::unique_ptr<catalog::PgItemIndex>> open_shared_catalog(
    const config::CatalogSettings& settings, const BucketLocation& location);

Result<std::unique_ptr<catalog::ItemIndex>> open_item_index(const config::AppConfig& config,
                                                            const BucketLocation& location,
                                                            IndexUse use);

}  // namespace imgsync::app
