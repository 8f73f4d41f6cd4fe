// imgsync serve --listen HOST:PORT: the STAC API (api/stac_api.h) over the local index, until
// SIGINT or SIGTERM. Asset links are presigned for the bucket (--asset-urls presigned, the
// default: a private bucket stays private) or plain object URLs (--asset-urls public).
#include <fmt/format.h>
#include <poll.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

#include "api/http_server.h"
#include "api/index_pool.h"
#include "app/catalog_puller.h"
#include "app/item_index_factory.h"
#include "app/search_arguments.h"
#include "app/shared_catalog.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/search_flags.h"
#include "cli/signals.h"
#include "config/listen_address.h"
#include "s3/s3_client.h"

namespace imgsync::cli {
namespace {

struct ServeOptions {
  SyncFlags flags;
  std::string listen;
  std::string base_url;
  std::string asset_urls = "presigned";
  std::string expires = "1h";
  std::string collection;
  std::string title;
  int threads = 8;
  std::string pull_every;  // "" = no pulls
};

int run_serve(const ServeOptions& options) {
  auto address = config::parse_listen_address(options.listen);
  if (!address.ok()) return fail("serve", address.error());
  if (!options.base_url.empty() && !options.base_url.starts_with("http://") &&
      !options.base_url.starts_with("https://")) {
    return fail("serve", make_error(ErrorCategory::kInvalidInput,
                                    "--base-url \"" + options.base_url +
                                        "\" must start with http:// or https://"));
  }
  auto expires = app::parse_expiry(options.expires);
  if (!expires.ok()) return fail("serve", expires.error());
  const bool presigned = options.asset_urls == "presigned";
  std::optional<std::chrono::seconds> pull_every;
  if (!options.pull_every.empty()) {
    auto every = app::parse_duration("--pull-every", options.pull_every);
    if (!every.ok()) return fail("serve", every.error());
    pull_every = *every;
  }
  auto destination = resolve_destination(options.flags, presigned || pull_every);
  if (!destination.ok()) return fail_setup("serve", destination.error());
  const auto location = destination->location;
  auto client = std::make_shared<s3::S3Client>(destination->setup.s3);
  auto signing = std::make_shared<std::mutex>();
  const std::chrono::seconds lifetime = *expires;

  api::ApiSettings settings{
      .collection_id =
          options.collection.empty() ? app::default_collection_id(location) : options.collection,
      .title = options.title.empty() ? "imgsync archive s3://" + location.bucket +
                                           (location.prefix.empty() ? "" : "/" + location.prefix)
                                     : options.title,
      .description = "Images and their STAC Items, served by imgsync",
      .asset_href = [client, signing, location, presigned,
                     lifetime](const std::string& key) -> std::string {
        std::lock_guard lock(*signing);
        auto url = client->presign_get(location.bucket, key, lifetime);
        if (!url.ok()) return "";
        return presigned ? *url : url->substr(0, url->find('?'));
      }};
  auto pool = std::make_shared<api::SqliteIndexPool>(
      [config = destination->setup.config, location = destination->location] {
        return app::open_item_index(config, location, app::IndexUse::kQueries);
      });
  {  // open once now: a missing or newer index is reported before the server starts
    auto first = pool->borrow();
    if (!first.ok()) return fail("serve", first.error());
  }
  auto api = std::make_shared<api::StacApi>(std::move(settings), pool->provider());
  auto server = api::HttpServer::start(
      {.address = *address, .threads = options.threads, .base_url = options.base_url},
      [api](const api::ApiRequest& request) { return api->handle(request); });
  if (!server.ok()) return fail("serve", server.error());
  fmt::print(stderr, "imgsync serve: STAC API on http://{}:{}/ (Ctrl-C stops)\n", address->host,
             (*server)->port());
  std::fflush(stderr);

  // Pulls run beside the server on their own connection; each request reads the index as the
  // last committed pull left it.
  app::CatalogPuller puller(destination->setup.config, destination->setup.s3, location);
  if (pull_every) {
    puller.start(
        *pull_every,
        [](const app::PullReport& report) {
          if (report.added + report.replaced == 0) return;
          fmt::print(stderr,
                     "imgsync serve: pulled the bucket's catalog: {} Items added, {} "
                     "replaced\n",
                     report.added, report.replaced);
        },
        [](const Error& error) {
          fmt::print(stderr,
                     "imgsync serve: the index was not updated from the bucket's "
                     "catalog: {}\n",
                     error.message);
        });
  }

  SignalState& signals = install_signal_handlers();
  while (!signals.stop.load()) {
    pollfd wake{.fd = signals.wake_fd, .events = POLLIN, .revents = 0};
    if (poll(&wake, 1, 1000) > 0) {
      char drained[64];
      [[maybe_unused]] auto ignored = read(signals.wake_fd, drained, sizeof drained);
    }
  }
  puller.stop();
  return kExitOk;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* command = app.add_subcommand(
      "serve", "a STAC API over the local index (for pystac-client, STAC Browser, QGIS)");
  add_destination_flags(*command, options->flags);
  command->add_option("--listen", options->listen, "HOST:PORT, e.g. 127.0.0.1:8080")->required();
  command->add_option("--base-url", options->base_url,
                      "the URL clients reach the API at, when behind a proxy (default: "
                      "http:// and the request's Host)");
  command
      ->add_option("--asset-urls", options->asset_urls,
                   "presigned (default: private bucket) or public (plain object URLs)")
      ->check(CLI::IsMember({"presigned", "public"}));
  command->add_option("--expires", options->expires,
                      "lifetime of presigned asset links: 90s, 30m, 1h (default), 7d");
  command->add_option("--collection", options->collection,
                      "the collection id (default: the prefix's last part, else the bucket)");
  command->add_option("--title", options->title, "the API's title");
  command->add_option("--pull-every", options->pull_every,
                      "bring the index up to date from the bucket's shared catalog at start and "
                      "then every DURATION (30s, 5m, 1h): new Items appear without a restart");
  command->add_option("--threads", options->threads, "request threads (default 8)")
      ->check(CLI::Range(1, 256));
  command->callback([options, &exit_code] { exit_code = run_serve(*options); });
}

}  // namespace imgsync::cli
