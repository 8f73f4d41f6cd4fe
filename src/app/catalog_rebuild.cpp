// `imgsync index rebuild` from the bucket's shared catalog (app/shared_catalog.h): a catalog line
// is used in place of a GET only when it is, byte for byte, the Item object the listing shows.
// A catalog line is the Item as its writer's index held it (the object's bytes, parsed and
// written again) plus what a line adds: `collection`, `properties.updated` when the Item had
// none, s3:// hrefs and a self link. item_form() takes back the hrefs and the link; the candidates
// below take back the two fields, with and without each, and the first whose MD5 is the listing's
// ETag is the object itself. Anything else (a line of an older version, an object written by
// another tool, a multipart or encrypted object whose ETag is no MD5, a damaged line) matches no
// candidate, and its object is fetched as before. The catalog is only a faster way to read what
// the listing names: an Item it lacks is fetched, an Item it holds that the listing does not is
// not indexed.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "app/shared_catalog.h"
#include "app/shared_catalog_detail.h"
#include "util/gzip.h"
#include "util/hashing.h"

namespace imgsync::app {
namespace {

using nlohmann::json;

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool md5_is(const json& item, const std::string& etag) {
  return to_hex(md5(item.dump(-1, ' ', false, json::error_handler_t::replace))) == etag;
}

// The line's Item as the object holds it, when one of the candidates has the object's MD5.
bool matches_object(json& item, const std::string& etag) {
  if (md5_is(item, etag)) return true;
  item.erase("collection");
  if (md5_is(item, etag)) return true;
  auto properties = item.find("properties");
  if (properties != item.end() && properties->is_object() && properties->contains("updated")) {
    properties->erase("updated");
    if (md5_is(item, etag)) return true;
  }
  return false;
}

class LineMatcher {
 public:
  LineMatcher(const BucketLocation& location, std::unordered_map<std::string, std::string>& listed,
              const CatalogItemTaker& take)
      : location_(location), listed_(listed), take_(take) {}

  Status operator()(std::string_view line) {
    if (line.empty() || listed_.empty()) return {};
    json item = json::parse(line, nullptr, false);
    if (!item.is_object()) return {};
    const std::string key = detail::item_form(item, location_);
    auto found = key.empty() ? listed_.end() : listed_.find(key);
    if (found == listed_.end() || !matches_object(item, found->second)) return {};
    listed_.erase(found);
    fatal_ = take_(item, key);
    return fatal_;
  }
  // The taker's failure (the index's), which stopped the reading; ok otherwise.
  const Status& fatal() const { return fatal_; }

 private:
  const BucketLocation& location_;
  std::unordered_map<std::string, std::string>& listed_;
  const CatalogItemTaker& take_;
  Status fatal_;
};

// A catalog object that cannot be read is skipped (its Items are fetched one by one instead);
// only the taker's error (the index failed) stops the rebuild: the caller checks match.fatal().
// Returns how many objects were skipped.
int match_snapshot(s3::S3Client& client, const BucketLocation& location,
                   const std::filesystem::path& scratch_dir, LineMatcher& match) {
  auto manifest = detail::newest_manifest(client, location);
  if (!manifest.ok()) return 1;
  if (!*manifest) return 0;
  std::error_code error;
  std::filesystem::create_directories(scratch_dir, error);
  const auto file = scratch_dir / "rebuild-snapshot.ndjson.gz";
  auto object = client.get_object(
      {.bucket = location.bucket, .key = (*manifest)->snapshot, .range = {}, .download_to = file});
  const bool read = object.ok() && for_each_gzip_line(file, [&](std::string_view line) {
                                     return match(line);
                                   }).ok();
  std::filesystem::remove(file, error);
  return read ? 0 : 1;
}

}  // namespace

Result<CatalogRebuildReport> index_from_catalog(
    s3::S3Client& client, const BucketLocation& location, const std::filesystem::path& scratch_dir,
    std::unordered_map<std::string, std::string>& listed, const CatalogItemTaker& take) {
  for (auto& [key, etag] : listed) etag = lowercase(etag);
  LineMatcher match(location, listed, take);
  CatalogRebuildReport report;
  report.unreadable = match_snapshot(client, location, scratch_dir, match);
  if (!match.fatal().ok()) return match.fatal().error();
  auto segments = detail::list_all(client, location, under_prefix(location, "catalog/items/"));
  if (!segments.ok()) ++report.unreadable;
  for (const auto& key : segments.ok() ? *segments : std::vector<std::string>()) {
    if (listed.empty()) break;
    if (!key.ends_with(".ndjson.gz")) continue;
    // A segment retired by a compaction meanwhile, or unreadable: its Items are fetched instead.
    auto object =
        client.get_object({.bucket = location.bucket, .key = key, .range = {}, .download_to = {}});
    const bool read =
        object.ok() &&
        for_each_gzip_line(std::string_view(object->body), [&](std::string_view line) {
          return match(line);
        }).ok();
    if (!match.fatal().ok()) return match.fatal().error();
    if (!read) ++report.unreadable;
  }
  return report;
}

}  // namespace imgsync::app
