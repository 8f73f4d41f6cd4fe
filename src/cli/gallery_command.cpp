// imgsync publish: the static web gallery (app/gallery_service.h) of the archive, or of the Items
// a --filter selects, from the local search index.
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "app/gallery_service.h"
#include "app/item_index_factory.h"
#include "catalog/search_index.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/search_flags.h"

namespace imgsync::cli {
namespace {

struct PublishOptions {
  SyncFlags flags;
  bool is_public = false, is_private = false;
  bool strip_gps = false, no_strip_gps = false;
  bool allow_public_originals = false;
  int image_size = 2048;
  std::string filter;
  std::string expires = "7d";
  std::string title = "imgsync gallery";
};

// The search flags inside --filter, read as `imgsync search` reads them.
Result<app::SearchArguments> parse_filter(const std::string& filter) {
  app::SearchArguments arguments;
  if (filter.empty()) return arguments;
  CLI::App parser("--filter", "publish --filter");
  parser.allow_extras(false);
  add_search_filter_flags(parser, arguments, "publish --filter", true);
  try {
    parser.parse(filter, false);
  } catch (const CLI::ParseError& error) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("--filter \"{}\": {} (it takes the flags of 'imgsync search', "
                                  "e.g. --filter \"--since 2026-05-01 --camera nikon\")",
                                  filter, error.what()));
  }
  return arguments;
}

int run_publish_gallery(const PublishOptions& options) {
  if (options.is_public && options.is_private) {
    return fail("publish", make_error(ErrorCategory::kInvalidInput,
                                      "--public and --private exclude each other: choose one"));
  }
  if (options.strip_gps && options.no_strip_gps) {
    return fail("publish",
                make_error(ErrorCategory::kInvalidInput,
                           "--strip-gps and --no-strip-gps exclude each other: choose one"));
  }
  if (options.image_size < 64 || options.image_size > 16384) {
    return fail("publish",
                make_error(ErrorCategory::kInvalidInput,
                           fmt::format("--image-size {}: the copies' long edge must be 64 to "
                                       "16384 pixels (default 2048)",
                                       options.image_size)));
  }
  auto arguments = parse_filter(options.filter);
  if (!arguments.ok()) return fail("publish", arguments.error());
  auto query = app::make_search_query(*arguments);
  if (!query.ok()) return fail("publish", query.error());
  app::GalleryOptions gallery;
  gallery.is_public = options.is_public;
  gallery.strip_gps = options.is_public ? !options.no_strip_gps : options.strip_gps;
  gallery.title = options.title;
  gallery.allow_public_originals = options.allow_public_originals;
  gallery.image_long_edge = options.image_size;
  auto expiry = app::parse_expiry(options.expires);
  if (!expiry.ok()) return fail("publish", expiry.error());
  auto destination = resolve_destination(options.flags, true);
  if (!destination.ok()) return fail_setup("publish", destination.error());
  if (!gallery.is_public) {
    gallery.expires = link_lifetime(*expiry, destination->setup.s3.credentials, "publish");
  }
  gallery.scratch_dir = destination->setup.config.state_dir / "publish";
  auto index = app::open_item_index(destination->setup.config, destination->location,
                                    app::IndexUse::kQueries);
  if (!index.ok()) return fail("publish", index.error());
  auto hits = (*index)->search(*query);
  if (!hits.ok()) return fail("publish", hits.error());
  if (hits->empty()) {
    auto count = (*index)->count();
    return fail("publish",
                make_error(ErrorCategory::kInvalidInput,
                           count.ok() && *count == 0 ? "the search index is empty: 'imgsync sync' "
                                                       "fills it as it uploads, 'imgsync index "
                                                       "rebuild' from the bucket's Items"
                                                     : "no Item matches --filter; nothing was "
                                                       "published (try it with 'imgsync search')"));
  }
  s3::S3Client client(destination->setup.s3);
  auto report = app::publish_gallery(
      *hits, client, destination->location, gallery, [](const std::string& id, const Error& error) {
        fmt::print(stderr, "imgsync publish: {} left out: {}\n", id, error.message);
      });
  if (!report.ok()) return fail("publish", report.error());
  const auto& bucket = destination->location.bucket;
  if (options.flags.json) {
    fmt::print("{}\n", nlohmann::json{{"event", "published"},
                                      {"key", report->key},
                                      {"url", report->url},
                                      {"images", report->images},
                                      {"failed", report->failed},
                                      {"removed", report->removed},
                                      {"public", gallery.is_public},
                                      {"strip_gps", gallery.strip_gps},
                                      {"publicly_readable", report->publicly_readable}}
                           .dump());
  } else {
    fmt::print("published a {} gallery of {} images to s3://{}/{}\n",
               gallery.is_public ? "public" : "private", report->images, bucket, report->key);
    if (!gallery.is_public) {
      fmt::print("open it (the link and the images' links work for {} s):\n",
                 gallery.expires.count());
    }
    fmt::print("{}\n", report->url);
  }
  if (gallery.is_public && !report->publicly_readable) {
    const std::string prefix =
        destination->location.prefix.empty() ? "" : destination->location.prefix + "/";
    fmt::print(stderr,
               "imgsync publish: warning: the gallery is uploaded but anonymous readers get {} "
               "for it; allow them with: imgsync init --to s3://{}/{} --public-prefix gallery/ "
               "(only gallery/ needs to be public; or publish --private)\n",
               report->anonymous_status == 0 ? std::string("no answer")
                                             : "HTTP " + std::to_string(report->anonymous_status),
               bucket, prefix);
    return kExitSomeFailed;
  }
  return report->failed > 0 ? kExitSomeFailed : kExitOk;
}

}  // namespace

void add_gallery_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<PublishOptions>();
  CLI::App* command = app.add_subcommand(
      "publish", "publish a web gallery of the archive to [PREFIX/]gallery/index.html");
  add_destination_flags(*command, options->flags);
  command->add_flag("--public", options->is_public,
                    "stripped web-size copies under gallery/, linked by plain URLs (only "
                    "gallery/ must be public: imgsync init --public-prefix gallery/); strips GPS "
                    "unless --no-strip-gps");
  command->add_flag("--private", options->is_private,
                    "link images by presigned URLs that expire (the default)");
  command->add_flag("--strip-gps", options->strip_gps,
                    "leave positions out of the page and the map, and link only stripped copies "
                    "(default with --public)");
  command->add_flag("--no-strip-gps", options->no_strip_gps,
                    "show positions and a map even in a public gallery");
  command->add_option("--filter", options->filter,
                      "only the Items these search flags select, in one string, e.g. "
                      "\"--since 2026-05-01 --camera nikon --tag survey\"");
  command->add_option("--expires", options->expires,
                      "lifetime of a private gallery's links: 90m, 24h, 7d (default and max)");
  command->add_option("--title", options->title, "the page's title");
  command->add_option("--image-size", options->image_size,
                      "long edge of the gallery's web-size copies in pixels (default 2048)");
  command->add_flag("--allow-public-originals", options->allow_public_originals,
                    "publish --public even though raw/, enhanced/ or metadata/ are public");
  command->callback([options, &exit_code] { exit_code = run_publish_gallery(*options); });
}

}  // namespace imgsync::cli
