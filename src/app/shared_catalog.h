// The archive's catalog in the bucket, shared by many machines without conflicts
// (docs/catalog.md has the format):
//
//   [prefix/]catalog/items/<writer>/<first>-<last>.ndjson.gz   immutable segments, one per writer
//                                                              and range of its change sequence
//   [prefix/]catalog/snapshots/<ms>-<writer>.ndjson.gz + .json a compacted snapshot and, written
//                                                              after it, its manifest
//   [prefix/]catalog/compact.lease                            held while compacting (with a TTL)
//
// A writer (one state directory: its id lives in the index) appends its new and changed Items
// as segments, each one single PUT with If-None-Match: * (never multipart: Ceph RGW ignores the
// condition on CompleteMultipartUpload). Each line is a STAC Item with `collection`,
// `properties.updated`, absolute s3:// asset hrefs and a self link to the Item's object, which
// pgstac's loader and DuckDB read as is. Readers merge on the Item id by `updated`
// (catalog/item_index.h), so reading a segment twice, or segments in any order, is harmless.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <unordered_map>

#include "app/search_service.h"
#include "catalog/item_index.h"
#include "s3/s3_client.h"
#include "util/result.h"

namespace imgsync::app {

// The archive's collection id: the prefix's last part, else the bucket's name.
std::string default_collection_id(const BucketLocation& location);

// This state directory's writer id (16 hex digits), made and kept in the index on first use.
Result<std::string> writer_id(catalog::ItemIndex& index);

// A change position the index keeps under the setting `name`, 0 when it has none; a value that
// is not a number is a damaged index (an error naming `imgsync index rebuild`, not a throw).
Result<std::int64_t> stored_position(catalog::ItemIndex& index, const std::string& name);

struct AppendReport {
  int segments = 0;
  std::int64_t items = 0;
};

// Appends this machine's changes since the last segment (at most `max_items` per segment).
Result<AppendReport> append_segments(catalog::ItemIndex& index, s3::S3Client& client,
                                     const BucketLocation& location,
                                     std::int64_t max_items = 10'000);

struct PullReport {
  bool snapshot = false;  // a snapshot was read (first pull, or segments were retired since)
  int segments = 0;       // segments read
  std::int64_t added = 0, replaced = 0, kept = 0, unreadable = 0;
  std::uint64_t bytes = 0;
};

// Brings the index up to date: the latest snapshot when this index lacks what it holds, then
// every segment after the last one read from each writer. Each segment is merged in one
// transaction with the position it reaches, so an interrupted pull resumes where it stopped.
// Snapshots are downloaded into scratch_dir and read line by line (memory does not grow with
// the catalog).
Result<PullReport> pull_catalog(catalog::ItemIndex& index, s3::S3Client& client,
                                const BucketLocation& location,
                                const std::filesystem::path& scratch_dir);

struct CompactReport {
  std::int64_t items = 0;
  int segments_retired = 0;
  std::string snapshot_key;
};

// Under the lease (refused while another machine's lease is live): pulls, writes a snapshot of
// every Item and then its manifest, and only then retires the segments the snapshot holds and
// older snapshots. Segments written meanwhile are kept for the next compaction.
Result<CompactReport> compact_catalog(catalog::ItemIndex& index, s3::S3Client& client,
                                      const BucketLocation& location,
                                      const std::filesystem::path& scratch_dir,
                                      std::chrono::seconds lease_ttl = std::chrono::minutes(30));

// `index rebuild` through the catalog (app/catalog_rebuild.cpp). `listed` maps each Item object
// under metadata/ to its listed ETag; every catalog line that is, byte for byte, one of those
// objects (its MD5 is the ETag) goes to `take` with the object's key, and its key leaves
// `listed`, so what remains is what the caller must GET. A bucket without a catalog, or a
// catalog object that cannot be read, leaves its Items in `listed`; only `take`'s error stops it.
using CatalogItemTaker = std::function<Status(const nlohmann::json& item, const std::string& key)>;
struct CatalogRebuildReport {
  int unreadable = 0;  // catalog objects skipped (their Items are fetched instead)
};
Result<CatalogRebuildReport> index_from_catalog(
    s3::S3Client& client, const BucketLocation& location, const std::filesystem::path& scratch_dir,
    std::unordered_map<std::string, std::string>& listed, const CatalogItemTaker& take);

}  // namespace imgsync::app
