// Shared between shared_catalog.cpp and shared_catalog_compact.cpp only.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/shared_catalog.h"

namespace imgsync::app::detail {

// An Item as a catalog line: collection, properties.updated, s3:// hrefs, a self link.
nlohmann::json bucket_form(const catalog::LocalChange& change, const BucketLocation& location,
                           const std::string& collection);
// The reverse of bucket_form, in place: the Item as the index keeps it (hrefs relative to its
// object); returns its key, empty when the line is not an Item of this bucket.
std::string item_form(nlohmann::json& item, const BucketLocation& location);

struct Manifest {
  std::string key, snapshot;
  std::map<std::string, std::string> positions;  // writer -> last segment key in the snapshot
  std::int64_t items = 0;                        // in the snapshot
};
// The newest snapshot's manifest; nullopt when there is none.
Result<std::optional<Manifest>> newest_manifest(s3::S3Client& client,
                                                const BucketLocation& location);
// The keys under `prefix` after `start_after`, in key order.
Result<std::vector<std::string>> list_after(s3::S3Client& client, const BucketLocation& location,
                                            const std::string& prefix,
                                            const std::string& start_after);
// Every key under `prefix`, in key order.
Result<std::vector<std::string>> list_all(s3::S3Client& client, const BucketLocation& location,
                                          const std::string& prefix);

// The writers' positions in the newest snapshot's manifest (empty when there is none).
Result<std::map<std::string, std::string>> manifest_positions(s3::S3Client& client,
                                                              const BucketLocation& location);

inline constexpr const char* kPulledSetting = "catalog.pulled.";
inline constexpr const char* kSnapshotSetting = "catalog.snapshot";

}  // namespace imgsync::app::detail
