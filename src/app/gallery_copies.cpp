#include "app/gallery_copies.h"

#include <fmt/format.h>

#include <fstream>
#include <vector>

#include "media/metadata_extractor.h"
#include "media/mime_sniffer.h"
#include "media/naming.h"
#include "media/thumbnail.h"

namespace imgsync::app {
namespace {

constexpr const char* kImagesFolder = "gallery/images/";
constexpr const char* kThumbsFolder = "gallery/thumbs/";

// The copy of `bytes` (the original, as stored) with its long edge at most `long_edge`, made
// exactly as sync makes thumbnails: from a file, so libvips turns what it decodes by the file's
// own orientation and a camera raw goes through Exiv2's embedded previews.
Result<media::Thumbnail> scaled_copy(const std::string& bytes, const std::string& key,
                                     const GalleryCopyOptions& options) {
  const std::string mime = media::sniff_mime(bytes);
  auto metadata = media::extract_embedded_metadata(bytes);
  const int orientation = metadata.ok() ? metadata->orientation : 1;
  std::error_code error;
  std::filesystem::create_directories(options.scratch_dir, error);
  const auto scratch = options.scratch_dir / "gallery-source";
  {
    std::ofstream out(scratch, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      return make_error(ErrorCategory::kLocalIo,
                        fmt::format("cannot write {} (a copy of s3 key {}): is the disk full?",
                                    scratch.string(), key));
    }
  }
  auto made = media::make_thumbnail(scratch, mime, orientation,
                                    {.long_edge = options.image_long_edge,
                                     .quality = 82,
                                     .format = media::ThumbnailFormat::kWebp});
  std::filesystem::remove(scratch, error);
  return made;
}

Status put_copy(s3::S3Client& client, const std::string& bucket, const std::string& key,
                std::string webp, const GalleryCopyOptions& options) {
  s3::PutObjectRequest put;
  put.bucket = bucket;
  put.key = key;
  put.body = s3::Body::from_string(std::move(webp));
  put.attributes.content_type = "image/webp";
  put.attributes.cache_control = options.cache_control;
  // No x-amz-meta-imgsync-item: anyone who reads the copy reads its headers too, and the Item's
  // key would lead to the original.
  auto stored = client.put_object(std::move(put));
  if (!stored.ok()) return stored.take_error();
  return {};
}

}  // namespace

Result<GalleryCopy> gallery_copy_keys(const BucketLocation& location, const std::string& id) {
  if (!media::is_safe_name(id)) {
    return make_error(ErrorCategory::kInvalidInput,
                      "the Item id is not a safe name (letters, digits, '.', '_', '-'): its "
                      "gallery copy has no key");
  }
  return GalleryCopy{.image_key = under_prefix(location, kImagesFolder + id + ".webp"),
                     .thumbnail_key = under_prefix(location, kThumbsFolder + id + ".webp")};
}

Result<GalleryCopy> publish_gallery_copy(const catalog::SearchHit& hit, s3::S3Client& client,
                                         const BucketLocation& location,
                                         const GalleryCopyOptions& options) {
  auto keys = gallery_copy_keys(location, hit.id);
  if (!keys.ok()) return keys.take_error();
  const std::string& source = !hit.enhanced_key.empty() ? hit.enhanced_key : hit.raw_key;
  if (source.empty()) {
    return make_error(ErrorCategory::kInvalidInput, "the Item links no image to publish");
  }
  auto original = client.get_object({location.bucket, source, {}, {}});
  if (!original.ok()) return original.take_error();
  auto image = scaled_copy(original->body, source, options);
  if (!image.ok()) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("no gallery copy of s3://{}/{}: {}", location.bucket, source,
                                  image.error().message));
  }
  // The thumbnail from the copy: decoded once at most 2048 px instead of twice at full size.
  auto thumbnail = media::make_thumbnail_from_buffer(image->bytes, 1,
                                                     {.long_edge = options.thumbnail_long_edge,
                                                      .quality = 80,
                                                      .format = media::ThumbnailFormat::kWebp});
  if (!thumbnail.ok()) return thumbnail.take_error();
  if (Status ok =
          put_copy(client, location.bucket, keys->image_key, std::move(image->bytes), options);
      !ok.ok()) {
    return ok.error();
  }
  if (Status ok = put_copy(client, location.bucket, keys->thumbnail_key,
                           std::move(thumbnail->bytes), options);
      !ok.ok()) {
    return ok.error();
  }
  return keys;
}

Result<int> remove_stale_gallery_copies(s3::S3Client& client, const BucketLocation& location,
                                        const std::set<std::string>& keep) {
  std::vector<std::string> stale;
  for (const char* folder : {kImagesFolder, kThumbsFolder}) {
    auto listed = client.list_all_objects(location.bucket, under_prefix(location, folder));
    if (!listed.ok()) return listed.take_error();
    for (const auto& object : *listed) {
      if (!keep.contains(object.key)) stale.push_back(object.key);
    }
  }
  int removed = 0;
  for (const auto& key : stale) {
    if (Status ok = client.delete_object(location.bucket, key); !ok.ok()) return ok.error();
    ++removed;
  }
  return removed;
}

}  // namespace imgsync::app
