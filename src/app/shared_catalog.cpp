#include "app/shared_catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>

#include "app/shared_catalog_detail.h"
#include "media/object_keys.h"
#include "util/gzip.h"
#include "util/time_format.h"

namespace imgsync::app {
namespace {

using nlohmann::json;

constexpr const char* kWriterSetting = "catalog.writer";
constexpr const char* kPublishedSetting = "catalog.published";
constexpr const char* kSnapshotSetting = "catalog.snapshot";
using detail::kPulledSetting;

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string items_prefix(const BucketLocation& location) {
  return under_prefix(location, "catalog/items/");
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
    if (link.is_object() && link.value("rel", "") == "self") continue;
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
    const std::string href = link.is_object() ? link.value("href", "") : "";
    if (link.is_object() && link.value("rel", "") == "self" && href.starts_with(bucket_url)) {
      item_key = href.substr(bucket_url.size());
    } else {
      links.push_back(link);
    }
  }
  if (item_key.empty()) return {};
  auto relative = [&](json& entry) {
    const std::string href = entry.is_object() ? entry.value("href", "") : "";
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

// Merges the lines of one segment or snapshot into the index (the caller's transaction).
LineVisitor merger(catalog::ItemIndex& index, const BucketLocation& location, PullReport& report) {
  return [&index, &location, &report](std::string_view line) -> Status {
    if (line.empty()) return {};
    json item = json::parse(line, nullptr, false);
    const std::string key = item.is_object() ? from_bucket_form(item, location) : "";
    std::optional<std::int64_t> updated;
    if (!key.empty() && item["properties"].is_object()) {
      auto parsed = parse_iso8601(item["properties"].value("updated", ""));
      if (parsed.ok()) {
        updated = std::chrono::duration_cast<std::chrono::milliseconds>(parsed->time_since_epoch())
                      .count();
      }
    }
    if (!updated) {
      ++report.unreadable;
      return {};
    }
    auto outcome = index.merge_item(item, key, *updated);
    if (!outcome.ok()) {
      if (outcome.error().category != ErrorCategory::kInvalidInput) return outcome.error();
      ++report.unreadable;  // an Item the index cannot hold (no capture time): skipped
      return {};
    }
    ++(*outcome == catalog::MergeOutcome::kAdded      ? report.added
       : *outcome == catalog::MergeOutcome::kReplaced ? report.replaced
                                                      : report.kept);
    return {};
  };
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

struct Manifest {
  std::string key, snapshot;
  std::map<std::string, std::string> positions;  // writer -> last segment key in the snapshot
};

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
  Manifest manifest{.key = *newest, .snapshot = document.value("snapshot", ""), .positions = {}};
  const json positions = document.value("positions", json::object());
  for (const auto& [writer, position] : positions.items()) {
    if (position.is_string()) manifest.positions[writer] = position.get<std::string>();
  }
  return std::optional<Manifest>(std::move(manifest));
}

Result<std::string> pulled_position(catalog::ItemIndex& index, const std::string& writer) {
  auto value = index.setting(kPulledSetting + std::string(writer));
  if (!value.ok()) return value.take_error();
  return value->value_or("");
}

// Reads the snapshot when the index lacks part of what it holds.
Status apply_snapshot(catalog::ItemIndex& index, s3::S3Client& client,
                      const BucketLocation& location, const Manifest& manifest,
                      const std::filesystem::path& scratch_dir, PullReport& report) {
  auto applied = index.setting(kSnapshotSetting);
  if (!applied.ok()) return applied.error();
  if (applied->value_or("") == manifest.key) return {};
  bool behind = manifest.positions.empty();
  for (const auto& [writer, position] : manifest.positions) {
    auto mine = pulled_position(index, writer);
    if (!mine.ok()) return mine.error();
    behind = behind || *mine < position;
  }
  if (behind) {
    std::error_code error;
    std::filesystem::create_directories(scratch_dir, error);
    const auto file = scratch_dir / "snapshot.ndjson.gz";
    auto object = client.get_object(
        {.bucket = location.bucket, .key = manifest.snapshot, .range = {}, .download_to = file});
    if (!object.ok()) return object.error();
    report.bytes += object->info.size;
    Status merged = index.in_transaction([&]() -> Status {
      if (Status ok = for_each_gzip_line(file, merger(index, location, report)); !ok.ok()) {
        return ok;
      }
      for (const auto& [writer, position] : manifest.positions) {
        auto mine = pulled_position(index, writer);
        if (!mine.ok()) return mine.error();
        if (*mine < position) {
          if (Status ok = index.set_setting(kPulledSetting + std::string(writer), position);
              !ok.ok())
            return ok;
        }
      }
      return {};
    });
    std::filesystem::remove(file, error);
    if (!merged.ok()) return merged;
    report.snapshot = true;
  }
  return index.set_setting(kSnapshotSetting, manifest.key);
}

// One round: snapshot, then each writer's new segments. kNotFound when a listed segment was
// retired meanwhile (the caller starts again, now from the newer snapshot).
Status pull_round(catalog::ItemIndex& index, s3::S3Client& client, const BucketLocation& location,
                  const std::filesystem::path& scratch_dir, PullReport& report) {
  auto manifest = latest_manifest(client, location);
  if (!manifest.ok()) return manifest.error();
  if (*manifest) {
    if (Status ok = apply_snapshot(index, client, location, **manifest, scratch_dir, report);
        !ok.ok())
      return ok;
  }
  s3::ListObjectsRequest writers{.bucket = location.bucket,
                                 .prefix = items_prefix(location),
                                 .delimiter = "/",
                                 .continuation_token = "",
                                 .start_after = "",
                                 .max_keys = 1000};
  std::vector<std::string> prefixes;
  while (true) {
    auto page = client.list_objects_v2(writers);
    if (!page.ok()) return page.error();
    prefixes.insert(prefixes.end(), page->common_prefixes.begin(), page->common_prefixes.end());
    if (!page->truncated) break;
    writers.continuation_token = page->next_continuation_token;
  }
  for (const auto& prefix : prefixes) {
    const std::string writer = prefix.substr(items_prefix(location).size(),
                                             prefix.size() - items_prefix(location).size() - 1);
    auto position = pulled_position(index, writer);
    if (!position.ok()) return position.error();
    auto keys = list_keys(client, location, prefix, *position);
    if (!keys.ok()) return keys.error();
    for (const auto& key : *keys) {
      auto object = client.get_object(
          {.bucket = location.bucket, .key = key, .range = {}, .download_to = {}});
      if (!object.ok()) return object.error();
      report.bytes += object->body.size();
      Status merged = index.in_transaction([&]() -> Status {
        if (Status ok =
                for_each_gzip_line(std::string_view(object->body), merger(index, location, report));
            !ok.ok())
          return ok;
        return index.set_setting(kPulledSetting + std::string(writer), key);
      });
      if (!merged.ok()) return merged;
      ++report.segments;
    }
  }
  return {};
}

}  // namespace

namespace detail {
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

Result<AppendReport> append_segments(catalog::ItemIndex& index, s3::S3Client& client,
                                     const BucketLocation& location, std::int64_t max_items) {
  auto writer = writer_id(index);
  if (!writer.ok()) return writer.take_error();
  auto published = index.setting(kPublishedSetting);
  if (!published.ok()) return published.take_error();
  std::int64_t after = published->has_value() ? std::stoll(**published) : 0;
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
    if (!written.ok() && written.error().category != ErrorCategory::kConflict) {
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

Result<PullReport> pull_catalog(catalog::ItemIndex& index, s3::S3Client& client,
                                const BucketLocation& location,
                                const std::filesystem::path& scratch_dir) {
  PullReport report;
  for (int round = 0;; ++round) {
    Status pulled = pull_round(index, client, location, scratch_dir, report);
    if (pulled.ok()) return report;
    if (pulled.error().category != ErrorCategory::kNotFound || round == 3) return pulled.error();
  }
}

}  // namespace imgsync::app
