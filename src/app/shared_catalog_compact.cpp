// imgsync catalog compact (app/shared_catalog.h): lease, pull, snapshot, manifest, retire.
#include <fmt/format.h>

#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "app/shared_catalog.h"
#include "app/shared_catalog_detail.h"
#include "util/error_predicates.h"
#include "util/gzip.h"
#include "util/json_fields.h"
#include "util/time_format.h"

namespace imgsync::app {
namespace {

using nlohmann::json;

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// The lease: an object created with If-None-Match: *, so only one machine holds it; a lease
// whose time has passed (its holder died) is taken over.
Status acquire_lease(s3::S3Client& client, const BucketLocation& location, const std::string& key,
                     const std::string& owner, std::chrono::seconds ttl) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    const std::int64_t expires = now_ms() + ttl.count() * 1000;
    s3::PutObjectRequest put{
        .bucket = location.bucket,
        .key = key,
        .body = s3::Body::from_string(json{{"owner", owner}, {"expires_ms", expires}}.dump()),
        .attributes = {},
        .if_none_match = true};
    auto taken = client.put_object(std::move(put));
    if (taken.ok()) return {};
    if (!is_conflict(taken.error())) return taken.error();
    auto held =
        client.get_object({.bucket = location.bucket, .key = key, .range = {}, .download_to = {}});
    if (!held.ok()) {
      if (is_not_found(held.error())) continue;  // just released
      return held.error();
    }
    const json lease = json::parse(held->body, nullptr, false);
    const std::int64_t until = json_integer(lease, "expires_ms");
    if (until > now_ms()) {
      return make_error(
          ErrorCategory::kConflict,
          fmt::format("writer {} is compacting the catalog (its lease s3://{}/{} runs until {}); "
                      "try again later, or delete the lease if that machine is gone",
                      json_string(lease, "owner").empty() ? "?" : json_string(lease, "owner"),
                      location.bucket, key,
                      format_iso8601(SystemTime(std::chrono::milliseconds(until)))));
    }
    if (Status ok = client.delete_object(location.bucket, key); !ok.ok()) return ok;
  }
  return make_error(ErrorCategory::kConflict, "the compaction lease changed hands; try again");
}

// Every Item of the index, as catalog lines, gzip-compressed into `file`.
Result<std::int64_t> write_snapshot(catalog::ItemIndex& index, const BucketLocation& location,
                                    const std::filesystem::path& file) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) return make_error(ErrorCategory::kLocalIo, "cannot write " + file.string());
  const std::string collection = default_collection_id(location);
  std::int64_t items = 0;
  std::string lines;
  auto flush = [&] {  // one gzip member per batch: concatenated members are one gzip stream
    const std::string compressed = gzip_compress(lines);
    out.write(compressed.data(), static_cast<std::streamsize>(compressed.size()));
    lines.clear();
  };
  Status read = index.for_each_change(
      0, catalog::ChangeScope::kAll, [&](const catalog::LocalChange& change) -> Status {
        lines += detail::bucket_form(change, location, collection)
                     .dump(-1, ' ', false, json::error_handler_t::replace) +
                 "\n";
        if (++items % 10'000 == 0) flush();
        return {};
      });
  if (!read.ok()) return read.error();
  if (!lines.empty() || items == 0) flush();
  out.close();
  if (!out) return make_error(ErrorCategory::kLocalIo, "cannot write " + file.string());
  return items;
}

// Where the snapshot holds each writer up to: what this pull reached of each writer with
// segments (`segments`), and for writers whose segments were all retired before, their place in
// the last manifest.
Result<std::map<std::string, std::string>> compacted_positions(
    catalog::ItemIndex& index, s3::S3Client& client, const BucketLocation& location,
    const std::vector<std::string>& segments,
    const std::function<std::string(const std::string&)>& writer_of) {
  auto previous = detail::manifest_positions(client, location);
  if (!previous.ok()) return previous.take_error();
  std::map<std::string, std::string> positions = *previous;
  for (const auto& key : segments) {
    auto position = index.setting(detail::kPulledSetting + writer_of(key));
    if (!position.ok()) return position.take_error();
    if (*position && **position > positions[writer_of(key)]) positions[writer_of(key)] = **position;
  }
  return positions;
}

// Once the manifest `stem`.json is written: deletes what the snapshot holds (each writer's
// segments up to its position) and the older snapshots. The number of segments retired.
Result<int> retire_compacted(s3::S3Client& client, const BucketLocation& location,
                             const std::vector<std::string>& segments,
                             const std::map<std::string, std::string>& positions,
                             const std::function<std::string(const std::string&)>& writer_of,
                             const std::string& stem) {
  std::vector<std::string> retire;
  for (const auto& key : segments) {
    auto found = positions.find(writer_of(key));
    if (found != positions.end() && key <= found->second) retire.push_back(key);
  }
  const int segments_retired = static_cast<int>(retire.size());
  auto snapshots = detail::list_all(client, location, under_prefix(location, "catalog/snapshots/"));
  if (!snapshots.ok()) return snapshots.take_error();
  for (const auto& key : *snapshots) {
    if (!key.starts_with(stem)) retire.push_back(key);
  }
  for (std::size_t at = 0; at < retire.size(); at += 1000) {
    const std::vector<std::string> batch(
        retire.begin() + static_cast<std::ptrdiff_t>(at),
        retire.begin() + static_cast<std::ptrdiff_t>(std::min(retire.size(), at + 1000)));
    auto deleted = client.delete_objects(location.bucket, batch);
    if (!deleted.ok()) return deleted.take_error();
  }
  return segments_retired;
}

// The compaction itself, with the lease held by `writer`: pull, snapshot, manifest, retire.
Result<CompactReport> compact_under_lease(catalog::ItemIndex& index, s3::S3Client& client,
                                          const BucketLocation& location,
                                          const std::filesystem::path& scratch_dir,
                                          const std::string& writer) {
  auto pulled = pull_catalog(index, client, location, scratch_dir);
  if (!pulled.ok()) return pulled.take_error();
  // What the snapshot holds of each writer: what this pull reached.
  auto writers = detail::list_all(client, location, under_prefix(location, "catalog/items/"));
  if (!writers.ok()) return writers.take_error();
  const std::size_t items_prefix = under_prefix(location, "catalog/items/").size();
  auto writer_of = [&](const std::string& key) {
    return key.substr(items_prefix, key.find('/', items_prefix) - items_prefix);
  };
  auto positions = compacted_positions(index, client, location, *writers, writer_of);
  if (!positions.ok()) return positions.take_error();
  std::error_code error;
  std::filesystem::create_directories(scratch_dir, error);
  const auto file = scratch_dir / "compact.ndjson.gz";
  auto items = write_snapshot(index, location, file);
  if (!items.ok()) return items.take_error();
  const std::string stem =
      under_prefix(location, fmt::format("catalog/snapshots/{:020}-{}", now_ms(), writer));
  CompactReport report{.items = *items, .segments_retired = 0, .snapshot_key = stem + ".ndjson.gz"};
  const auto size = std::filesystem::file_size(file, error);
  s3::PutObjectRequest data{
      .bucket = location.bucket,
      .key = report.snapshot_key,
      .body = s3::Body::from_file({.path = file, .offset = 0, .length = size}),
      .attributes = {},
      .if_none_match = true};
  auto put = client.put_object(std::move(data));
  std::filesystem::remove(file, error);
  if (!put.ok()) return put.take_error();
  // The manifest, after the snapshot: a reader never sees a manifest without its data.
  json manifest = {{"snapshot", report.snapshot_key}, {"items", *items}, {"positions", *positions}};
  auto written = client.put_object({.bucket = location.bucket,
                                    .key = stem + ".json",
                                    .body = s3::Body::from_string(manifest.dump()),
                                    .attributes = {},
                                    .if_none_match = true});
  if (!written.ok()) return written.take_error();
  if (Status ok = index.set_setting("catalog.snapshot", stem + ".json"); !ok.ok()) {
    return ok.error();
  }
  // Only now retire what the snapshot holds: segments up to each position, older snapshots.
  auto retired = retire_compacted(client, location, *writers, *positions, writer_of, stem);
  if (!retired.ok()) return retired.take_error();
  report.segments_retired = *retired;
  return report;
}

}  // namespace

Result<CompactReport> compact_catalog(catalog::ItemIndex& index, s3::S3Client& client,
                                      const BucketLocation& location,
                                      const std::filesystem::path& scratch_dir,
                                      std::chrono::seconds lease_ttl) {
  auto writer = writer_id(index);
  if (!writer.ok()) return writer.take_error();
  const std::string lease_key = under_prefix(location, "catalog/compact.lease");
  if (Status ok = acquire_lease(client, location, lease_key, *writer, lease_ttl); !ok.ok()) {
    return ok.error();
  }
  auto report = compact_under_lease(index, client, location, scratch_dir, *writer);
  (void)client.delete_object(location.bucket, lease_key);
  return report;
}

}  // namespace imgsync::app
