#include "app/gallery_access.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>

namespace imgsync::app {

Result<std::string> plain_object_url(s3::S3Client& client, const std::string& bucket,
                                     const std::string& key) {
  auto url = client.presign_get(bucket, key, std::chrono::seconds(60));
  if (!url.ok()) return url.take_error();
  return url->substr(0, url->find('?'));
}

int anonymous_status(const std::string& url, const s3::S3Settings& settings) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return 0;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  // A GET, as a browser does, whose body is never read: only the first byte is asked for.
  curl_easy_setopt(curl.get(), CURLOPT_RANGE, "0-0");
  curl_easy_setopt(
      curl.get(), CURLOPT_WRITEFUNCTION,
      +[](char*, size_t size, size_t count, void*) { return size * count; });
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

Status check_originals_not_public(s3::S3Client& client, const BucketLocation& location,
                                  const std::vector<catalog::SearchHit>& hits) {
  struct Probe {
    const char* folder;
    std::string catalog::SearchHit::*key;
  };
  for (const Probe probe : {Probe{"raw/", &catalog::SearchHit::raw_key},
                            Probe{"enhanced/", &catalog::SearchHit::enhanced_key},
                            Probe{"metadata/", &catalog::SearchHit::item_key}}) {
    for (const auto& hit : hits) {
      const std::string& key = hit.*probe.key;
      if (key.empty()) continue;
      auto url = plain_object_url(client, location.bucket, key);
      if (!url.ok()) return url.error();
      const int status = anonymous_status(*url, client.settings());
      if (status == 200 || status == 206) {
        const std::string prefix = location.prefix.empty() ? "" : location.prefix + "/";
        return make_error(
            ErrorCategory::kInvalidInput,
            fmt::format("anyone can read s3://{}/{}{} (a bucket policy makes it public: e.g. {}), "
                        "so publishing a gallery would advertise originals that keep their GPS "
                        "position and camera serials; a public gallery needs only gallery/: make "
                        "the policy exactly that with 'imgsync init --to s3://{}/{} "
                        "--public-prefix gallery/', or publish with --allow-public-originals",
                        location.bucket, prefix, probe.folder, key, location.bucket, prefix));
      }
      break;  // one object says what the policy allows for its folder
    }
  }
  return {};
}

}  // namespace imgsync::app
