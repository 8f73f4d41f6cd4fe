#include "app/search_service.h"

#include <fmt/format.h>

#include <deque>
#include <fstream>
#include <functional>
#include <memory>
#include <unordered_map>

#include "app/bulk_load.h"
#include "app/shared_catalog.h"
#include "media/naming.h"
#include "media/object_keys.h"
#include "media/stac_item.h"
#include "transfer/object_upload.h"
#include "transfer/task_queue.h"
#include "util/error_predicates.h"
#include "util/hashing.h"
#include "util/json_fields.h"

namespace imgsync::app {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// The key without the prefix: where a download lands under its directory.
std::string without_prefix(const BucketLocation& location, const std::string& key) {
  const std::string head = location.prefix.empty() ? "" : location.prefix + "/";
  return key.starts_with(head) ? key.substr(head.size()) : key;
}

bool ends_with(const std::string& text, const std::string& tail) {
  return text.size() >= tail.size() &&
         text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

// The sha256 hex an Item records for the asset at `key` (file:checksum "1220" + hex).
std::string recorded_sha256(const json& item, const std::string& item_key, const std::string& key) {
  if (!item.contains("assets") || !item["assets"].is_object()) return {};
  for (const auto& [slot, asset] : item["assets"].items()) {
    if (!asset.is_object() || catalog::resolve_href(item_key, json_string(asset, "href")) != key) {
      continue;
    }
    const std::string checksum = json_string(asset, "file:checksum");
    if (checksum.size() == 68 && checksum.starts_with("1220")) return checksum.substr(4);
  }
  return {};
}

// is_safe_key, and no "." segment either: a key that a path join could not turn into a path
// outside its folder.
bool is_plain_key(const std::string& key) {
  if (!media::is_safe_key(key)) return false;
  for (std::size_t start = 0; start <= key.size();) {
    std::size_t end = key.find('/', start);
    if (end == std::string::npos) end = key.size();
    if (key.compare(start, end - start, ".") == 0) return false;
    start = end + 1;
  }
  return true;
}

// Where `key` lands under `directory`, checked after joining: nullopt when the result is not
// inside `directory` (a key that climbs or is absolute).
std::optional<std::filesystem::path> confined_target(const std::filesystem::path& directory,
                                                     const BucketLocation& location,
                                                     const std::string& key) {
  if (!is_plain_key(key)) return std::nullopt;
  std::error_code error;
  const auto root =
      std::filesystem::weakly_canonical(std::filesystem::absolute(directory, error), error);
  if (error) return std::nullopt;
  const auto target =
      std::filesystem::weakly_canonical(root / without_prefix(location, key), error);
  if (error) return std::nullopt;
  const auto relative = target.lexically_relative(root);
  if (relative.empty() || relative.is_absolute() || *relative.begin() == "..") {
    return std::nullopt;
  }
  return target;
}

Error unsafe_key(const std::string& what) {
  return make_error(ErrorCategory::kInvalidInput,
                    what +
                        " has an empty, \".\" or \"..\" segment or a character keys may not "
                        "hold, so it would land outside the download directory: skipped (the "
                        "Item was written by someone other than imgsync)");
}

}  // namespace

Status check_item_identity(const std::string& item_key, const std::string& id,
                           const std::vector<std::string>& asset_keys) {
  if (!is_plain_key(item_key)) {
    return make_error(ErrorCategory::kInvalidInput,
                      "the Item's key has an empty, \".\" or \"..\" segment: not indexed");
  }
  if (!media::is_safe_name(id)) {
    return make_error(ErrorCategory::kInvalidInput,
                      "the Item's id is not a name imgsync writes (letters, digits, '.', '_', "
                      "'-', at most 200 bytes): not indexed");
  }
  for (const auto& key : asset_keys) {
    if (!key.empty() && !is_plain_key(key)) {
      return make_error(ErrorCategory::kInvalidInput,
                        "an asset href of the Item leads to a key with an empty, \".\" or "
                        "\"..\" segment: not indexed");
    }
  }
  return {};
}

namespace {

// The Item's key, id and asset keys (as the index would record them) checked before indexing.
Status check_item(const json& item, const std::string& key) {
  auto record = catalog::index_record_from_item(item, key);
  if (!record.ok()) return record.error();
  return check_item_identity(key, record->id,
                             {record->raw_key, record->enhanced_key, record->thumbnail_key});
}

}  // namespace

std::string under_prefix(const BucketLocation& location, const std::string& path) {
  return location.prefix.empty() ? path : location.prefix + "/" + path;
}

std::vector<std::string> asset_keys(const catalog::SearchHit& hit, catalog::KindFilter kind) {
  std::vector<std::string> keys;
  if (!hit.raw_key.empty() && kind != catalog::KindFilter::kEnhanced) keys.push_back(hit.raw_key);
  if (!hit.enhanced_key.empty() && kind != catalog::KindFilter::kRaw) {
    keys.push_back(hit.enhanced_key);
  }
  return keys;
}

namespace {

// One rebuild's accounting: an Item read (from the catalog or a GET) is checked, then indexed.
struct Rebuild {
  catalog::SearchIndex& index;
  const std::function<void(const RebuildProgress&)>& on_progress;
  const std::function<void(const std::string& key, const Error& error)>& on_failure;
  RebuildProgress progress;
  RebuildReport report;

  void failed(const std::string& key, const Error& error) {
    ++report.failed;
    ++progress.failed;
    if (on_failure) on_failure(key, error);
  }
  // An error only when the index itself failed (the rebuild stops).
  Status take(const json& item, const std::string& key) {
    ++progress.done;
    if (Status safe = check_item(item, key); !safe.ok()) {
      failed(key, safe.error());
    } else if (Status ok = index.upsert_item(item, key); !ok.ok()) {
      if (!is_invalid_input(ok.error())) return ok;
      failed(key, ok.error());
    } else {
      ++report.indexed;
    }
    if (on_progress) on_progress(progress);
    return {};
  }
  void fetched(const std::string& key, Result<s3::GetObjectResult>& response,
               std::optional<Error>& fatal) {
    if (response.ok()) {
      auto item = json::parse(response->body, nullptr, false);
      if (!item.is_discarded()) {
        if (Status ok = take(item, key); !ok.ok() && !fatal) fatal = ok.error();
        return;
      }
    }
    ++progress.done;
    failed(key,
           response.ok() ? make_error(ErrorCategory::kInvalidInput, "not JSON") : response.error());
    if (on_progress) on_progress(progress);
  }
};

}  // namespace

Result<RebuildReport> rebuild_index(
    catalog::SearchIndex& index, s3::S3Client& client, const BucketLocation& location, int jobs,
    const std::filesystem::path& scratch_dir,
    const std::function<void(const RebuildProgress&)>& on_progress,
    const std::function<void(const std::string& key, const Error& error)>& on_failure) {
  const auto started = Clock::now();
  auto listed = client.list_all_objects(location.bucket, under_prefix(location, "metadata/"));
  if (!listed.ok()) return listed.take_error();
  std::unordered_map<std::string, std::string> unread;  // key -> ETag
  for (const auto& object : *listed) {
    if (ends_with(object.key, ".json")) unread.emplace(object.key, object.etag);
  }
  Rebuild rebuild{.index = index,
                  .on_progress = on_progress,
                  .on_failure = on_failure,
                  .progress = {},
                  .report = {}};
  rebuild.progress.listed = static_cast<std::int64_t>(unread.size());
  if (on_progress) on_progress(rebuild.progress);

  // The index is written again whole: its secondary indexes are made once at the end, and the
  // page cache is large enough that one transaction of many Items does not spill to the WAL
  // over and over (catalog::ItemIndex::begin_bulk_load; a crash leaves it whole when reopened).
  BulkLoad bulk(index);
  if (Status begun = bulk.begin(); !begun.ok()) return begun.error();
  catalog::SearchIndex::Batch batch(index);
  if (!batch.begun().ok()) return batch.begun().error();
  if (Status cleared = index.clear(); !cleared.ok()) return cleared.error();
  auto from_catalog = index_from_catalog(
      client, location, scratch_dir, unread,
      [&](const json& item, const std::string& key) { return rebuild.take(item, key); });
  if (!from_catalog.ok()) return from_catalog.take_error();
  rebuild.report.from_catalog = rebuild.report.indexed;
  rebuild.report.catalog_objects_unreadable = from_catalog->unreadable;

  std::deque<std::string> keys;  // the rest, in listing order
  for (const auto& object : *listed) {
    if (unread.contains(object.key)) keys.push_back(object.key);
  }
  std::optional<Error> fatal;
  transfer::TaskQueue queue(client.engine(), std::max(1, jobs));
  queue.set_refill([&] {
    if (keys.empty() || fatal) return false;
    std::string key = std::move(keys.front());
    keys.pop_front();
    queue.push([&, key](transfer::TaskQueue::Finished finished) {
      const s3::GetObjectRequest request{.bucket = location.bucket, .key = key};
      client.get_object_async(request, [&, key, finished](Result<s3::GetObjectResult> response) {
        finished();
        rebuild.fetched(key, response, fatal);
      });
    });
    return true;
  });
  queue.run();
  if (fatal) return *fatal;
  if (Status committed = batch.commit(); !committed.ok()) return committed.error();
  if (Status ended = bulk.finish(); !ended.ok()) return ended.error();
  rebuild.report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return rebuild.report;
}

Result<json> build_catalog(catalog::ItemIndex& index, const BucketLocation& location,
                           const PublishOptions& options, PublishReport& report) {
  report.catalog_key = under_prefix(location, "catalog/catalog.json");
  report.ndjson_key = under_prefix(location, "catalog/items.ndjson");
  auto count = index.count();
  if (!count.ok()) return count.take_error();
  report.items = *count;
  report.items_linked = *count <= options.max_item_links;
  json links = json::array();
  links.push_back({{"rel", "root"},
                   {"href", "./catalog.json"},
                   {"type", "application/json"},
                   {"title", "imgsync catalog"}});
  links.push_back({{"rel", "alternate"},
                   {"href", "./items.ndjson"},
                   {"type", "application/x-ndjson"},
                   {"title", "Every Item, one per line (STAC tools, Athena, DuckDB)"}});
  if (report.items_linked) {
    Status visited = index.for_each_item(
        [&](const std::string& id, const std::string& item_key, const std::string&) -> Status {
          links.push_back({{"rel", "item"},
                           {"href", media::relative_href(report.catalog_key, item_key)},
                           {"type", "application/geo+json"},
                           {"title", id}});
          return {};
        });
    if (!visited.ok()) return visited.error();
  }
  std::string id = "imgsync-" + location.bucket;
  for (char c : location.prefix) id += c == '/' ? '-' : c;
  return json{{"type", "Catalog"},
              {"stac_version", media::kStacVersion},
              {"id", id},
              {"title", "Images in s3://" + location.bucket + "/" + location.prefix},
              {"description",
               fmt::format("{} STAC Items of captures uploaded by imgsync, with their raw and "
                           "enhanced images.{}",
                           report.items,
                           report.items_linked ? ""
                                               : " Too many to link one by one: every Item is in "
                                                 "items.ndjson, one per line.")},
              {"links", std::move(links)}};
}

Result<PublishReport> publish_catalog(catalog::ItemIndex& index, s3::S3Client& client,
                                      const BucketLocation& location,
                                      const PublishOptions& options) {
  PublishReport report;
  auto catalog = build_catalog(index, location, options, report);
  if (!catalog.ok()) return catalog.take_error();

  // items.ndjson through a file: it can be far larger than memory should hold.
  std::error_code error;
  std::filesystem::create_directories(options.scratch_dir, error);
  const auto ndjson_path = options.scratch_dir / "items.ndjson";
  {
    std::ofstream out(ndjson_path, std::ios::binary | std::ios::trunc);
    Status written = index.for_each_item(
        [&](const std::string&, const std::string&, const std::string& item_json) -> Status {
          out << item_json << '\n';
          return {};
        });
    if (!written.ok()) return written.error();
    out.close();
    if (!out) {
      return make_error(ErrorCategory::kLocalIo,
                        "cannot write " + ndjson_path.string() + ": is the disk full?");
    }
  }
  auto digests = digest_file(ndjson_path.string());
  if (!digests.ok()) return digests.take_error();
  report.ndjson_bytes = digests->bytes;

  transfer::TaskQueue queue(client.engine(), 8);
  transfer::UploadJob job;
  job.path = ndjson_path;
  job.size = digests->bytes;
  std::error_code unreadable;
  const auto written = std::filesystem::last_write_time(ndjson_path, unreadable);
  if (unreadable) {
    return make_error(
        ErrorCategory::kLocalIo,
        fmt::format("cannot read {}: {}", ndjson_path.string(), unreadable.message()));
  }
  job.mtime_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(written.time_since_epoch()).count();
  job.digests = *digests;
  job.bucket = location.bucket;
  job.key = report.ndjson_key;
  job.attributes.content_type = "application/x-ndjson";
  job.attributes.metadata["imgsync-sha256"] = to_hex(digests->sha256);
  std::optional<Error> failed;
  transfer::UploadCallbacks callbacks;
  callbacks.done = [&](Result<s3::PutObjectResult> result) {
    if (!result.ok()) failed = result.take_error();
  };
  transfer::start_upload(queue, client, std::move(job), std::move(callbacks));
  queue.run();
  std::filesystem::remove(ndjson_path, error);
  if (failed) return *failed;

  // The catalog last: it announces an items.ndjson that is already there.
  s3::PutObjectRequest put;
  put.bucket = location.bucket;
  put.key = report.catalog_key;
  put.body = s3::Body::from_string(catalog->dump(2));
  put.attributes.content_type = "application/json";
  put.attributes.metadata["imgsync-sha256"] = to_hex(sha256(put.body.bytes));
  auto sent = client.put_object(std::move(put));
  if (!sent.ok()) return sent.take_error();
  return report;
}

namespace {

// One asset to download: where it lands and the sha256 its Item records (empty: none recorded).
struct AssetDownload {
  std::string key, sha256;
  std::filesystem::path target;
};

// Each hit's Item written under `directory`, and its assets queued in `downloads` (one already
// there with the recorded content is skipped). Keys come from Items anyone with write access to
// the bucket may have written: one that would land outside `directory` fails instead.
Status write_items_and_plan(
    const std::vector<catalog::SearchHit>& hits, catalog::KindFilter kind,
    const BucketLocation& location, const std::filesystem::path& directory, DownloadReport& report,
    std::deque<AssetDownload>& downloads,
    const std::function<void(const std::string& key, const Error& error)>& on_failure) {
  auto skip = [&](const std::string& key, const std::string& what) {
    ++report.failed;
    if (on_failure) on_failure(key, unsafe_key(what));
  };
  for (const auto& hit : hits) {
    const auto item = json::parse(hit.item_json, nullptr, false);
    const auto item_target = confined_target(directory, location, hit.item_key);
    if (!item_target) {
      skip(hit.item_key, "the Item's key");
      continue;
    }
    for (const auto& key : asset_keys(hit, kind)) {
      const auto confined = confined_target(directory, location, key);
      if (!confined) {
        skip(key, "the asset's key");
        continue;
      }
      const auto& target = *confined;
      const std::string sha = item.is_discarded() ? "" : recorded_sha256(item, hit.item_key, key);
      if (std::error_code absent; !sha.empty() && std::filesystem::exists(target, absent)) {
        auto digests = digest_file(target.string());
        if (digests.ok() && to_hex(digests->sha256) == sha) {
          ++report.skipped;
          continue;
        }
      }
      downloads.push_back({key, sha, target});
    }
    const auto& item_path = *item_target;
    std::error_code error;
    std::filesystem::create_directories(item_path.parent_path(), error);
    std::ofstream out(item_path, std::ios::binary | std::ios::trunc);
    out << (item.is_discarded() ? hit.item_json : item.dump(2)) << '\n';
    if (!out) {
      return make_error(ErrorCategory::kLocalIo, "cannot write " + item_path.string());
    }
    ++report.items;
  }
  return {};
}

// The GET of `download` into `part` answered: the part is checked against the recorded sha256,
// then moved to its target (or removed, and the failure reported).
void finish_download(
    const AssetDownload& download, const std::filesystem::path& part,
    Result<s3::GetObjectResult> response, DownloadReport& report,
    const std::function<void(const std::string& key, const Error& error)>& on_failure) {
  std::error_code ignored;
  auto fail = [&](Error why) {
    ++report.failed;
    std::filesystem::remove(part, ignored);
    if (on_failure) on_failure(download.key, why);
  };
  if (!response.ok()) return fail(response.take_error());
  auto digests = digest_file(part.string());
  if (!digests.ok()) return fail(digests.take_error());
  if (!download.sha256.empty() && to_hex(digests->sha256) != download.sha256) {
    return fail(make_error(ErrorCategory::kIntegrity,
                           fmt::format("downloaded content hashes to {}, the Item says {}",
                                       to_hex(digests->sha256), download.sha256)));
  }
  std::filesystem::rename(part, download.target, ignored);
  if (ignored) {
    return fail(make_error(ErrorCategory::kLocalIo,
                           "cannot move the download to " + download.target.string()));
  }
  ++report.assets;
  report.bytes += digests->bytes;
}

}  // namespace

Result<DownloadReport> download_hits(
    const std::vector<catalog::SearchHit>& hits, catalog::KindFilter kind, s3::S3Client& client,
    const BucketLocation& location, const std::filesystem::path& directory, int jobs,
    const std::function<void(const std::string& key, const Error& error)>& on_failure) {
  DownloadReport report;
  std::deque<AssetDownload> downloads;
  if (Status ok =
          write_items_and_plan(hits, kind, location, directory, report, downloads, on_failure);
      !ok.ok()) {
    return ok.error();
  }

  transfer::TaskQueue queue(client.engine(), std::max(1, jobs));
  queue.set_refill([&] {
    if (downloads.empty()) return false;
    AssetDownload download = std::move(downloads.front());
    downloads.pop_front();
    queue.push([&, download](transfer::TaskQueue::Finished finished) {
      std::error_code error;
      std::filesystem::create_directories(download.target.parent_path(), error);
      const auto part = std::filesystem::path(download.target.string() + ".part");
      const s3::GetObjectRequest request{
          .bucket = location.bucket, .key = download.key, .download_to = part};
      client.get_object_async(
          request, [&, download, part, finished](Result<s3::GetObjectResult> response) {
            finished();
            finish_download(download, part, std::move(response), report, on_failure);
          });
    });
    return true;
  });
  queue.run();
  return report;
}

}  // namespace imgsync::app
