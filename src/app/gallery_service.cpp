#include "app/gallery_service.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>

#include "app/gallery_page.h"
#include "media/object_keys.h"

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

template <typename T>
void copy_if(json& entry, const char* name, const json& properties, const char* property) {
  auto found = properties.find(property);
  if (found != properties.end() && !found->is_null()) entry[name] = found->get<T>();
}

// The HTTP status an anonymous reader gets for `url` (0: no answer).
int anonymous_status(const std::string& url, const config::S3Settings& settings) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return 0;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_NOBODY, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 20L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  if (!settings.ca_bundle.empty())
    curl_easy_setopt(curl.get(), CURLOPT_CAINFO, settings.ca_bundle.c_str());
  if (!settings.verify_tls) {
    curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (curl_easy_perform(curl.get()) != CURLE_OK) return 0;
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  return static_cast<int>(status);
}

}  // namespace

Result<json> gallery_entries(const std::vector<catalog::SearchHit>& hits,
                             const GalleryOptions& options,
                             const std::function<Result<std::string>(const std::string&)>& link,
                             int* withheld) {
  json entries = json::array();
  for (const auto& hit : hits) {
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
    if (properties.contains("keywords") && properties["keywords"].is_array()) {
      entry["tags"] = properties["keywords"];
    } else if (properties.contains("imgsync:tags") && properties["imgsync:tags"].is_array()) {
      entry["tags"] = properties["imgsync:tags"];
    }
    const bool located = hit.latitude && hit.longitude;
    if (located && !options.strip_gps) {
      entry["lat"] = *hit.latitude;
      entry["lon"] = *hit.longitude;
      if (hit.altitude) entry["alt"] = *hit.altitude;
    }
    auto add_link = [&](const char* name, const std::string& key) -> Status {
      if (key.empty()) return {};
      auto url = link(key);
      if (!url.ok()) return url.error();
      entry[name] = *url;
      return {};
    };
    if (Status ok = add_link("thumb", hit.thumbnail_key); !ok.ok()) return ok.error();
    const std::string full_key = !hit.enhanced_key.empty() ? hit.enhanced_key : hit.raw_key;
    if (options.strip_gps && located) {
      // The originals keep their EXIF, position included: only the stripped thumbnail is shown.
      entry["withheld"] =
          "The full image is not linked: it carries its GPS position (publish with "
          "--no-strip-gps to link it).";
      if (withheld != nullptr) ++*withheld;
    } else {
      if (Status ok = add_link("full", full_key); !ok.ok()) return ok.error();
      if (!hit.raw_key.empty() && hit.raw_key != full_key) {
        if (Status ok = add_link("raw", hit.raw_key); !ok.ok()) return ok.error();
      }
    }
    // An Item holds the position: a gallery without positions links none.
    if (!options.strip_gps) {
      if (Status ok = add_link("item", hit.item_key); !ok.ok()) return ok.error();
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

Result<GalleryReport> publish_gallery(const std::vector<catalog::SearchHit>& hits,
                                      s3::S3Client& client, const BucketLocation& location,
                                      const GalleryOptions& options) {
  GalleryReport report;
  report.key = under_prefix(location, "gallery/index.html");
  std::function<Result<std::string>(const std::string&)> link;
  if (options.is_public) {
    link = [&report](const std::string& key) -> Result<std::string> {
      return media::relative_href(report.key, key);
    };
  } else {
    link = [&](const std::string& key) {
      return client.presign_get(location.bucket, key, options.expires);
    };
  }
  auto entries = gallery_entries(hits, options, link, &report.withheld);
  if (!entries.ok()) return entries.take_error();
  report.images = static_cast<int>(entries->size());
  const std::string page = render_gallery_page(options.title, *entries);

  s3::PutObjectRequest put;
  put.bucket = location.bucket;
  put.key = report.key;
  put.body = s3::Body::from_string(page);
  put.attributes.content_type = "text/html; charset=utf-8";
  // Private pages hold links that expire: a browser must not keep an old copy.
  put.attributes.cache_control = options.is_public ? "max-age=300" : "no-store";
  auto stored = client.put_object(put);
  if (!stored.ok()) {
    Error error = stored.take_error();
    error.message = fmt::format("uploading the gallery to s3://{}/{}: {}", location.bucket,
                                report.key, error.message);
    return error;
  }
  auto url = client.presign_get(location.bucket, report.key, options.expires);
  if (!url.ok()) return url.take_error();
  report.url = *url;
  const std::string plain_url = report.url.substr(0, report.url.find('?'));
  report.anonymous_status = anonymous_status(plain_url, client.settings());
  report.publicly_readable = report.anonymous_status == 200;
  if (options.is_public) {
    report.url = plain_url;
  } else if (report.publicly_readable) {
    // A bucket policy makes gallery/ public: this page (ids, times, cameras, maybe positions)
    // would be readable by anyone for as long as it stays. Take it down again.
    Status removed = client.delete_object(location.bucket, report.key);
    return make_error(
        ErrorCategory::kInvalidInput,
        fmt::format("s3://{}/{} is readable by anyone (a bucket policy makes it public), so a "
                    "private gallery cannot live there; {}. Publish with --public (positions "
                    "stripped), or take gallery/ out of the bucket policy's public prefixes",
                    location.bucket, report.key,
                    removed.ok() ? "the page was removed again"
                                 : "removing the page again failed too: " +
                                       removed.error().message + "; delete it by hand"));
  }
  return report;
}

}  // namespace imgsync::app
