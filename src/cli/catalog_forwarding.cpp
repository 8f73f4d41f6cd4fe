#include "cli/catalog_forwarding.h"

#include <fmt/format.h>

#include "app/item_index_factory.h"
#include "cli/search_flags.h"
#include "notify/event_log.h"

namespace imgsync::cli {
namespace {

constexpr std::chrono::milliseconds kForwardInterval{2000};

std::string catalog_name(const SyncSetup& setup) {
  return config::redact_catalog_url(setup.config.catalog.url);
}

}  // namespace

void forward_to_catalog(const char* command, const SyncSetup& setup) {
  if (!app::uses_shared_catalog(setup.config)) return;
  auto location = bucket_location(setup);
  if (!location.ok()) return;
  app::CatalogForwarder forwarder(setup.config.state_dir, setup.config.catalog, *location);
  auto forwarded = forwarder.forward();
  if (forwarded.ok()) return;
  auto pending = forwarder.pending();
  fmt::print(stderr,
             "imgsync {}: {} Items wait in the local index for the catalog {} ({}); the next "
             "sync or watch writes them\n",
             command, pending.ok() ? std::to_string(*pending) : std::string("some"),
             catalog_name(setup), forwarded.error().message);
}

std::unique_ptr<app::CatalogForwarder> start_catalog_forwarder(const SyncSetup& setup) {
  if (!app::uses_shared_catalog(setup.config)) return nullptr;
  auto location = bucket_location(setup);
  if (!location.ok()) return nullptr;
  auto forwarder = std::make_unique<app::CatalogForwarder>(setup.config.state_dir,
                                                           setup.config.catalog, *location);
  const std::string name = catalog_name(setup);
  auto warn = [](const std::string& event, const std::string& text) {
    notify::LogRecord record;
    record.level = notify::LogLevel::kWarn;
    record.event = event;
    record.message = text;
    notify::log(record);
  };
  forwarder->start(
      kForwardInterval,
      {.paused =
           [name, warn](std::int64_t pending, const Error& error, std::chrono::milliseconds wait) {
             warn("catalog_paused",
                  fmt::format("the catalog {} cannot be written ({}); {} Items wait in the local "
                              "index; pausing, retrying in {:.1f} s",
                              name, error.message, pending < 0 ? 0 : pending,
                              static_cast<double>(wait.count()) / 1000));
           },
       .resumed =
           [name, warn](const app::ForwardReport& report) {
             warn("catalog_resumed",
                  fmt::format("the catalog {} is reachable again; wrote {} waiting Items", name,
                              report.written + report.kept));
           }});
  return forwarder;
}

}  // namespace imgsync::cli
