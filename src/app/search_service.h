// The bucket side of search: `imgsync index rebuild` (the local index from the bucket's Items
// alone, so any machine can search), `imgsync index publish` (a static STAC catalog and an
// NDJSON of every Item, for STAC tools, Athena and DuckDB) and `search --download` (the matching
// assets with their Items, checked against the Items' checksums).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "catalog/search_index.h"
#include "s3/s3_client.h"
#include "util/result.h"

namespace imgsync::app {

struct BucketLocation {
  std::string bucket;
  std::string prefix;  // normalized: no leading or trailing '/', "" for none
};

// "catalog/catalog.json" under the location's prefix: "p/catalog/catalog.json".
std::string under_prefix(const BucketLocation& location, const std::string& path);

struct RebuildProgress {
  std::int64_t listed = 0;  // Items found under metadata/
  std::int64_t done = 0;    // read from the catalog or fetched (indexed or failed)
  std::int64_t failed = 0;
};

struct RebuildReport {
  std::int64_t indexed = 0;
  std::int64_t failed = 0;
  std::int64_t from_catalog = 0;       // of `indexed`, read from the shared catalog, not GET
  int catalog_objects_unreadable = 0;  // catalog objects skipped (their Items were fetched)
  double seconds = 0;
};

// What rebuild_index refuses of an Item read from the bucket (kInvalidInput): a key (its own or
// an asset's) with an empty, "." or ".." segment, or an id outside the name alphabet
// (media::is_safe_name). Such Items were not written by imgsync and could steer downloads and
// pages.
Status check_item_identity(const std::string& item_key, const std::string& id,
                           const std::vector<std::string>& asset_keys);

// Lists [prefix/]metadata/, takes every Item the bucket's shared catalog holds byte for byte (its
// MD5 is the listed ETag; app/shared_catalog.h, index_from_catalog: a catalog snapshot is
// downloaded into scratch_dir), and GETs the rest with `jobs` requests in flight; the index is
// replaced in one transaction, so a search during the rebuild sees the old index whole. An Item
// that cannot be fetched or read, or fails check_item_identity, is reported through on_failure
// and skipped.
Result<RebuildReport> rebuild_index(
    catalog::SearchIndex& index, s3::S3Client& client, const BucketLocation& location, int jobs,
    const std::filesystem::path& scratch_dir,
    const std::function<void(const RebuildProgress&)>& on_progress,
    const std::function<void(const std::string& key, const Error& error)>& on_failure);

struct PublishOptions {
  // Above this many Items, catalog.json links only items.ndjson rather than every Item: a
  // catalog of a million links helps no STAC browser.
  std::int64_t max_item_links = 10'000;
  std::filesystem::path scratch_dir;  // items.ndjson is written here before the upload
};

struct PublishReport {
  std::int64_t items = 0;
  bool items_linked = false;  // catalog.json links every Item
  std::string catalog_key, ndjson_key;
  std::uint64_t ndjson_bytes = 0;
};

// The STAC catalog JSON for the Items of `index` (relative links), and where it goes.
Result<nlohmann::json> build_catalog(catalog::ItemIndex& index, const BucketLocation& location,
                                     const PublishOptions& options, PublishReport& report);

Result<PublishReport> publish_catalog(catalog::ItemIndex& index, s3::S3Client& client,
                                      const BucketLocation& location,
                                      const PublishOptions& options);

struct DownloadReport {
  int assets = 0;
  int items = 0;
  int skipped = 0;  // already there with the right checksum
  int failed = 0;
  std::uint64_t bytes = 0;
};

// Every asset of each hit (only `kind` when not kAny), as key-relative paths under `directory`
// (the bucket layout without the prefix, so the Items' relative hrefs still resolve), each
// checked against its Item's file:checksum, plus the Item itself. A key that would land outside
// `directory` (checked after joining) is reported through on_failure, counted as failed and
// skipped.
Result<DownloadReport> download_hits(
    const std::vector<catalog::SearchHit>& hits, catalog::KindFilter kind, s3::S3Client& client,
    const BucketLocation& location, const std::filesystem::path& directory, int jobs,
    const std::function<void(const std::string& key, const Error& error)>& on_failure);

// The asset keys of a hit, raw then enhanced (per `kind`).
std::vector<std::string> asset_keys(const catalog::SearchHit& hit, catalog::KindFilter kind);

}  // namespace imgsync::app
