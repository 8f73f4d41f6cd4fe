#include "app/gallery_service.h"

#include <fmt/format.h>

#include <memory>
#include <set>
#include <type_traits>

#include "app/gallery_access.h"
#include "app/gallery_copies.h"
#include "app/gallery_page.h"
#include "media/object_keys.h"
#include "util/error_predicates.h"

namespace imgsync::app {
namespace {

using nlohmann::json;

// "NIKON CORPORATION" + "NIKON D70" reads better as "NIKON D70", and "EASTMAN KODAK COMPANY" +
// "KODAK CX7530 ZOOM DIGITAL CAMERA" as the model alone: the model repeats a word of the make.
std::string camera_of(const catalog::SearchHit& hit) {
  if (hit.model.empty()) return hit.make;
  if (hit.make.empty()) return hit.model;
  auto lower = [](std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  };
  const std::string model = lower(hit.model);
  const std::string make = lower(hit.make);
  for (std::size_t start = 0; start < make.size();) {
    std::size_t end = make.find(' ', start);
    if (end == std::string::npos) end = make.size();
    const std::string word = make.substr(start, end - start);
    if (word.size() >= 3 && model.rfind(word, 0) == 0) return hit.model;
    start = end + 1;
  }
  return hit.make + " " + hit.model;
}

// The property when it has the type the page expects: an Item from another writer of the shared
// catalog may hold anything there, and json's get<T> would throw on it.
template <typename T>
void copy_if(json& entry, const char* name, const json& properties, const char* property) {
  auto found = properties.find(property);
  if (found == properties.end()) return;
  if constexpr (std::is_same_v<T, std::string>) {
    if (!found->is_string()) return;
  } else {
    if (!found->is_number()) return;
  }
  entry[name] = found->get<T>();
}

using LinkMaker = std::function<Result<std::string>(const std::string&)>;

// Every property of one entry that is not a link.
json entry_of(const catalog::SearchHit& hit) {
  const json item = json::parse(hit.item_json, nullptr, false);
  const json properties =
      item.is_object() && item.contains("properties") && item["properties"].is_object()
          ? item["properties"]
          : json::object();
  json entry{{"id", hit.id}, {"camera", camera_of(hit)}, {"bytes", hit.bytes}};
  copy_if<std::string>(entry, "local", properties, "imgsync:local_datetime");
  copy_if<std::string>(entry, "offset", properties, "imgsync:utc_offset");
  copy_if<std::string>(entry, "utc", properties, "datetime");
  copy_if<std::string>(entry, "lens", properties, "imgsync:lens");
  copy_if<std::int64_t>(entry, "width", properties, "imgsync:width");
  copy_if<std::int64_t>(entry, "height", properties, "imgsync:height");
  for (const char* tags : {"keywords", "imgsync:tags"}) {
    if (properties.contains(tags) && properties[tags].is_array()) {
      entry["tags"] = json::array();
      for (const auto& tag : properties[tags]) {
        if (tag.is_string()) entry["tags"].push_back(tag);
      }
      break;
    }
  }
  return entry;
}

// The page's key is public while anonymous readers get it or learn that it is missing.
bool anonymous_readable(int status) {
  return status == 200 || status == 206 || status == 404;
}

Error private_over_public(const BucketLocation& location, const std::string& key,
                          const std::string& removal) {
  return make_error(
      ErrorCategory::kInvalidInput,
      fmt::format("s3://{}/{} is readable by anyone (a bucket policy makes gallery/ public), so a "
                  "private gallery cannot live there{}. Publish with --public (positions "
                  "stripped), or take gallery/ out of the bucket policy's public prefixes",
                  location.bucket, key, removal));
}

// The links of every hit: copies made and uploaded, or the originals. `published` receives the
// hits that made it and `keep` the copies' keys.
Result<std::vector<GalleryLinks>> links_for(
    const std::vector<catalog::SearchHit>& hits, s3::S3Client& client,
    const BucketLocation& location, const GalleryOptions& options,
    std::vector<catalog::SearchHit>& published, std::set<std::string>& keep, int& failed,
    const std::function<void(const std::string&, const Error&)>& on_failure) {
  std::vector<GalleryLinks> links;
  const GalleryCopyOptions copy_options{
      .image_long_edge = options.image_long_edge,
      .thumbnail_long_edge = options.thumbnail_long_edge,
      .cache_control = options.is_public ? "max-age=300" : "no-store",
      .scratch_dir = options.scratch_dir};
  for (const auto& hit : hits) {
    if (!gallery_uses_copies(options)) {
      links.push_back(original_links(hit));
      published.push_back(hit);
      continue;
    }
    auto copy = publish_gallery_copy(hit, client, location, copy_options);
    if (!copy.ok()) {
      // Only what is about this one capture leaves it out; a failing bucket fails the gallery.
      if (!is_invalid_input(copy.error()) && !is_not_found(copy.error())) {
        return copy.take_error();
      }
      ++failed;
      if (on_failure) on_failure(hit.id, copy.error());
      continue;
    }
    keep.insert(copy->image_key);
    keep.insert(copy->thumbnail_key);
    links.push_back({.thumb = copy->thumbnail_key,
                     .full = copy->image_key,
                     .latitude = hit.latitude,
                     .longitude = hit.longitude,
                     .altitude = hit.altitude});
    published.push_back(hit);
  }
  return links;
}

Status upload_page(s3::S3Client& client, const BucketLocation& location, const std::string& key,
                   std::string page, bool is_public) {
  s3::PutObjectRequest put;
  put.bucket = location.bucket;
  put.key = key;
  put.body = s3::Body::from_string(std::move(page));
  put.attributes.content_type = "text/html; charset=utf-8";
  // Private pages hold links that expire: a browser must not keep an old copy.
  put.attributes.cache_control = is_public ? "max-age=300" : "no-store";
  auto stored = client.put_object(put);
  if (!stored.ok()) {
    Error error = stored.take_error();
    error.message =
        fmt::format("uploading the gallery to s3://{}/{}: {}", location.bucket, key, error.message);
    return error;
  }
  return {};
}

}  // namespace

bool gallery_uses_copies(const GalleryOptions& options) {
  return options.is_public || options.strip_gps;
}

GalleryLinks original_links(const catalog::SearchHit& hit) {
  GalleryLinks links{.thumb = hit.thumbnail_key,
                     .full = !hit.enhanced_key.empty() ? hit.enhanced_key : hit.raw_key,
                     .item = hit.item_key,
                     .latitude = hit.latitude,
                     .longitude = hit.longitude,
                     .altitude = hit.altitude};
  if (hit.raw_key != links.full) links.raw = hit.raw_key;
  return links;
}

Result<json> gallery_entries(const std::vector<catalog::SearchHit>& hits,
                             const std::vector<GalleryLinks>& links, const GalleryOptions& options,
                             const LinkMaker& link) {
  json entries = json::array();
  for (std::size_t i = 0; i < hits.size() && i < links.size(); ++i) {
    json entry = entry_of(hits[i]);
    const GalleryLinks& sources = links[i];
    if (!options.strip_gps && sources.latitude && sources.longitude) {
      entry["lat"] = *sources.latitude;
      entry["lon"] = *sources.longitude;
      if (sources.altitude) entry["alt"] = *sources.altitude;
    }
    // An Item holds the position: a gallery without positions links none.
    const std::string item = options.strip_gps ? "" : sources.item;
    for (const auto& [name, key] : {std::pair{"thumb", sources.thumb},
                                    {"full", sources.full},
                                    {"raw", sources.raw},
                                    {"item", item}}) {
      if (key.empty()) continue;
      auto url = link(key);
      if (!url.ok()) return url.take_error();
      entry[name] = *url;
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

Result<GalleryReport> publish_gallery(
    const std::vector<catalog::SearchHit>& hits, s3::S3Client& client,
    const BucketLocation& location, const GalleryOptions& options,
    const std::function<void(const std::string&, const Error&)>& on_failure) {
  GalleryReport report;
  report.key = under_prefix(location, "gallery/index.html");
  auto page_url = plain_object_url(client, location.bucket, report.key);
  if (!page_url.ok()) return page_url.take_error();
  // Nothing is written before these checks.
  if (!options.is_public && anonymous_readable(anonymous_status(*page_url, client.settings()))) {
    return private_over_public(location, report.key, "; nothing was written");
  }
  if (options.is_public && !options.allow_public_originals) {
    if (Status ok = check_originals_not_public(client, location, hits); !ok.ok()) {
      return ok.error();
    }
  }

  std::vector<catalog::SearchHit> published;
  std::set<std::string> keep;
  auto links =
      links_for(hits, client, location, options, published, keep, report.failed, on_failure);
  if (!links.ok()) return links.take_error();
  LinkMaker link;
  if (options.is_public) {
    link = [&report](const std::string& key) -> Result<std::string> {
      return media::relative_href(report.key, key);
    };
  } else {
    link = [&](const std::string& key) {
      return client.presign_get(location.bucket, key, options.expires);
    };
  }
  auto entries = gallery_entries(published, *links, options, link);
  if (!entries.ok()) return entries.take_error();
  report.images = static_cast<int>(entries->size());
  const std::string page = render_gallery_page(options.title, *entries);
  if (Status ok = upload_page(client, location, report.key, page, options.is_public); !ok.ok()) {
    return ok.error();
  }

  report.anonymous_status = anonymous_status(*page_url, client.settings());
  report.publicly_readable = report.anonymous_status == 200 || report.anonymous_status == 206;
  if (!options.is_public && report.publicly_readable) {
    // The key was missing and a store that answers 403 for missing keys hid that gallery/ is
    // public: this page was not there before, so taking it down again replaces nothing.
    Status removed = client.delete_object(location.bucket, report.key);
    return private_over_public(location, report.key,
                               removed.ok() ? "; the page was removed again"
                                            : "; removing the page again failed too: " +
                                                  removed.error().message + "; delete it by hand");
  }
  auto removed = remove_stale_gallery_copies(client, location, keep);
  if (!removed.ok()) return removed.take_error();
  report.removed = *removed;
  if (options.is_public) {
    report.url = *page_url;
  } else {
    auto url = client.presign_get(location.bucket, report.key, options.expires);
    if (!url.ok()) return url.take_error();
    report.url = *url;
  }
  return report;
}

}  // namespace imgsync::app
