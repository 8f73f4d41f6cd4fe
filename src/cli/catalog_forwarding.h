// sync and watch with a shared catalog ([catalog] url, --catalog): what they wrote to the local
// index goes on to the catalog (app/catalog_forwarder.h). A catalog that cannot be reached
// costs no upload: the Items wait in the local index and a later pass writes them.
#pragma once

#include <memory>

#include "app/catalog_forwarder.h"
#include "cli/sync_flags.h"

namespace imgsync::cli {

// After a sync run: one pass; a failure is reported on stderr (the exit code stays).
void forward_to_catalog(const char* command, const SyncSetup& setup);

// For watch: a forwarding thread (nullptr without a shared catalog); its pauses and recoveries
// go to the event log as warnings. stop() it when watch ends (one last pass).
std::unique_ptr<app::CatalogForwarder> start_catalog_forwarder(const SyncSetup& setup);

}  // namespace imgsync::cli
