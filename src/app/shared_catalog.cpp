#include "app/shared_catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <random>

#include "app/shared_catalog_detail.h"
#include "media/object_keys.h"
#include "util/error_predicates.h"
#include "util/gzip.h"
#include "util/json_fields.h"
#include "util/time_format.h"

namespace imgsync::app {
namespace {

using nlohmann::json;

constexpr const char* kWriterSetting = "catalog.writer";
constexpr const char* kPublishedSetting = "catalog.published";

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string snapshots_prefix(const BucketLocation& location) {
  return under_prefix(location, "catalog/snapshots/");
}

std::string s3_url(const BucketLocation& location, const std::string& key) {
  return "s3://" + location.bucket + "/" + key;
}

// Relative hrefs (to the Item's object) become s3:// URLs, so a line means the same wherever
// it is read; a self link names the Item's object.
json to_bucket_form(const catalog::LocalChange& change, const BucketLocation& location,
                    const std::string& collection) {
  json item = json::parse(change.item_json, nullptr, false);
  item["collection"] = collection;
  if (!item["properties"].is_object()) item["properties"] = json::object();
  if (!item["properties"].contains("updated")) {
    item["properties"]["updated"] =
        format_iso8601(SystemTime(std::chrono::milliseconds(change.updated_ms)));
  }
  auto absolute = [&](json& entry) {
    if (!entry.is_object() || !entry.contains("href") || !entry["href"].is_string()) return;
    const std::string key = catalog::resolve_href(change.item_key, entry["href"]);
    if (!key.empty()) entry["href"] = s3_url(location, key);
  };
  if (item["assets"].is_object()) {
    for (auto& [name, asset] : item["assets"].items()) absolute(asset);
  }
  json links = json::array();
  const json old_links = item.value("links", json::array());
  for (json link : old_links) {
    if (json_string(link, "rel") == "self") continue;
    absolute(link);
    links.push_back(link);
  }
  links.push_back({{"rel", "self"},
                   {"href", s3_url(location, change.item_key)},
                   {"type", "application/geo+json"}});
  item["links"] = std::move(links);
  return item;
}

// The reverse: the Item as the index keeps it, and its key; empty key when the line is not an
// Item of this bucket.
std::string from_bucket_form(json& item, const BucketLocation& location) {
  const std::string bucket_url = "s3://" + location.bucket + "/";
  std::string item_key;
  json links = json::array();
  const json old_links = item.value("links", json::array());
  for (const auto& link : old_links) {
    const std::string href = json_string(link, "href");
    if (json_string(link, "rel") == "self" && href.starts_with(bucket_url)) {
      item_key = href.substr(bucket_url.size());
    } else {
      links.push_back(link);
    }
  }
  if (item_key.empty()) return {};
  auto relative = [&](json& entry) {
    const std::string href = json_string(entry, "href");
    if (href.starts_with(bucket_url)) {
      entry["href"] = media::relative_href(item_key, href.substr(bucket_url.size()));
    }
  };
  for (auto& link : links) relative(link);
  if (item["assets"].is_object()) {
    for (auto& [name, asset] : item["assets"].items()) relative(asset);
  }
  item["links"] = std::move(links);
  return item_key;
}

Result<std::vector<std::string>> list_keys(s3::S3Client& client, const BucketLocation& location,
                                           const std::string& prefix,
                                           const std::string& start_after = "") {
  std::vector<std::string> keys;
  s3::ListObjectsRequest request{.bucket = location.bucket,
                                 .prefix = prefix,
                                 .delimiter = "",
                                 .continuation_token = "",
                                 .start_after = start_after,
                                 .max_keys = 1000};
  while (true) {
    auto page = client.list_objects_v2(request);
    if (!page.ok()) return page.take_error();
    for (const auto& object : page->objects) keys.push_back(object.key);
    if (!page->truncated) return keys;
    request.continuation_token = page->next_continuation_token;
    request.start_after.clear();
  }
}

using detail::Manifest;

Result<std::optional<Manifest>> latest_manifest(s3::S3Client& client,
                                                const BucketLocation& location) {
  auto keys = list_keys(client, location, snapshots_prefix(location));
  if (!keys.ok()) return keys.take_error();
  std::optional<std::string> newest;
  for (const auto& key : *keys) {
    if (key.ends_with(".json")) newest = key;  // listed in key order: the last is the newest
  }
  if (!newest) return std::optional<Manifest>();
  auto object = client.get_object(
      {.bucket = location.bucket, .key = *newest, .range = {}, .download_to = {}});
  if (!object.ok()) return object.take_error();
  const json document = json::parse(object->body, nullptr, false);
  if (!document.is_object() || !document.contains("snapshot")) {
    return make_error(ErrorCategory::kInvalidInput,
                      "catalog manifest s3://" + location.bucket + "/" + *newest +
                          " is not readable; run 'imgsync catalog compact' to write a new one");
  }
  Manifest manifest{.key = *newest,
                    .snapshot = json_string(document, "snapshot"),
                    .positions = {},
                    .items = json_integer(document, "items")};
  const json positions = document.value("positions", json::object());
  for (const auto& [writer, position] : positions.items()) {
    if (position.is_string()) manifest.positions[writer] = position.get<std::string>();
  }
  return std::optional<Manifest>(std::move(manifest));
}

}  // namespace

namespace detail {
std::string item_form(json& item, const BucketLocation& location) {
  return from_bucket_form(item, location);
}
Result<std::optional<Manifest>> newest_manifest(s3::S3Client& client,
                                                const BucketLocation& location) {
  return latest_manifest(client, location);
}
Result<std::vector<std::string>> list_after(s3::S3Client& client, const BucketLocation& location,
                                            const std::string& prefix,
                                            const std::string& start_after) {
  return list_keys(client, location, prefix, start_after);
}
json bucket_form(const catalog::LocalChange& change, const BucketLocation& location,
                 const std::string& collection) {
  return to_bucket_form(change, location, collection);
}
Result<std::vector<std::string>> list_all(s3::S3Client& client, const BucketLocation& location,
                                          const std::string& prefix) {
  return list_keys(client, location, prefix);
}
Result<std::map<std::string, std::string>> manifest_positions(s3::S3Client& client,
                                                              const BucketLocation& location) {
  auto manifest = latest_manifest(client, location);
  if (!manifest.ok()) return manifest.take_error();
  if (!*manifest) return std::map<std::string, std::string>();
  return (*manifest)->positions;
}
}  // namespace detail

std::string default_collection_id(const BucketLocation& location) {
  if (location.prefix.empty()) return location.bucket;
  return location.prefix.substr(location.prefix.rfind('/') + 1);
}

Result<std::string> writer_id(catalog::ItemIndex& index) {
  auto known = index.setting(kWriterSetting);
  if (!known.ok()) return known.take_error();
  if (*known) return **known;
  std::random_device random;
  const std::string id = fmt::format("{:08x}{:08x}", random(), random());
  if (Status ok = index.set_setting(kWriterSetting, id); !ok.ok()) return ok.error();
  return id;
}

Result<std::int64_t> stored_position(catalog::ItemIndex& index, const std::string& name) {
  auto held = index.setting(name);
  if (!held.ok()) return held.take_error();
  if (!held->has_value()) return std::int64_t{0};
  const std::string& text = **held;
  std::int64_t position = 0;
  const auto [end, failed] = std::from_chars(text.data(), text.data() + text.size(), position);
  if (failed != std::errc() || end != text.data() + text.size()) {
    return make_error(ErrorCategory::kFatal,
                      fmt::format("the index's {} is \"{}\", not a position: the index is "
                                  "damaged; imgsync index rebuild makes it again from the bucket",
                                  name, text));
  }
  return position;
}

Result<AppendReport> append_segments(catalog::ItemIndex& index, s3::S3Client& client,
                                     const BucketLocation& location, std::int64_t max_items) {
  auto writer = writer_id(index);
  if (!writer.ok()) return writer.take_error();
  auto published = stored_position(index, kPublishedSetting);
  if (!published.ok()) return published.take_error();
  std::int64_t after = *published;
  const std::string collection = default_collection_id(location);
  AppendReport report;
  while (true) {
    std::string lines;
    std::int64_t first = 0, last = 0, count = 0;
    bool full = false;
    Status read = index.for_each_change(
        after, catalog::ChangeScope::kLocal, [&](const catalog::LocalChange& change) -> Status {
          if (count == max_items) {
            full = true;
            return make_error(ErrorCategory::kFatal, "the segment is full");  // stops the walk
          }
          if (count++ == 0) first = change.sequence;
          last = change.sequence;
          lines += dump(to_bucket_form(change, location, collection)) + "\n";
          return {};
        });
    if (!read.ok() && !full) return read.error();
    if (count == 0) return report;
    const std::string key = under_prefix(
        location, fmt::format("catalog/items/{}/{:016}-{:016}.ndjson.gz", *writer, first, last));
    s3::PutObjectRequest put{.bucket = location.bucket,
                             .key = key,
                             .body = s3::Body::from_string(gzip_compress(lines)),
                             .attributes = {},
                             .if_none_match = true};
    put.attributes.content_type = "application/x-ndjson";
    auto written = client.put_object(std::move(put));
    // kConflict: this range is there already (another process of this writer wrote it).
    if (!written.ok() && !is_conflict(written.error())) {
      return written.take_error();
    }
    if (Status ok = index.set_setting(kPublishedSetting, std::to_string(last)); !ok.ok()) {
      return ok.error();
    }
    after = last;
    ++report.segments;
    report.items += count;
  }
}

}  // namespace imgsync::app
