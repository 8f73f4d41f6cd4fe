// Shared between shared_catalog.cpp and shared_catalog_compact.cpp only.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "app/shared_catalog.h"

namespace imgsync::app::detail {

// An Item as a catalog line: collection, properties.updated, s3:// hrefs, a self link.
nlohmann::json bucket_form(const catalog::LocalChange& change, const BucketLocation& location,
                           const std::string& collection);
// Every key under `prefix`, in key order.
Result<std::vector<std::string>> list_all(s3::S3Client& client, const BucketLocation& location,
                                          const std::string& prefix);

// The writers' positions in the newest snapshot's manifest (empty when there is none).
Result<std::map<std::string, std::string>> manifest_positions(s3::S3Client& client,
                                                              const BucketLocation& location);

inline constexpr const char* kPulledSetting = "catalog.pulled.";

}  // namespace imgsync::app::detail
