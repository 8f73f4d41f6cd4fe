// Requests and results of the S3 operations imgsync uses.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "s3/http_types.h"
#include "util/hashing.h"

namespace imgsync::s3 {

using UserMetadata = std::map<std::string, std::string>;  // x-amz-meta-<name>, names lower-case

// A request body: bytes in memory or a range of a local file, with its digests when the caller
// already has them (the transfer pipeline hashes each file once); computed when absent.
struct Body {
  std::string bytes;
  std::optional<FileRange> file;
  std::optional<FileDigests> digests;

  static Body from_string(std::string text) {
    return Body{std::move(text), std::nullopt, std::nullopt};
  }
  static Body from_file(FileRange range) { return Body{{}, std::move(range), std::nullopt}; }
  std::uint64_t size() const { return file ? file->length : bytes.size(); }
};

// Headers shared by PutObject, CreateMultipartUpload and CopyObject (with REPLACE).
struct ObjectAttributes {
  std::string content_type;
  std::string cache_control;
  UserMetadata metadata;
  std::map<std::string, std::string> tags;
  std::string storage_class;           // "" = the bucket's default
  std::string server_side_encryption;  // "", "AES256" or "aws:kms"
  std::string sse_kms_key_id;
};

struct PutObjectRequest {
  std::string bucket{}, key{};
  Body body{};
  ObjectAttributes attributes{};
  bool if_none_match = false;  // If-None-Match: * : fail with kConflict if the key exists
  // If-Match, sent as given (a quoted ETag; Ceph RGW compares it bare): fail with kConflict
  // unless the object at the key has this ETag.
  std::string if_match{};
};

struct PutObjectResult {
  std::string etag;  // without quotes
  std::string version_id;
};

struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;  // without quotes
  std::string last_modified;
  std::string content_type;
  std::string storage_class;
  std::string version_id;
  UserMetadata metadata;
};

struct GetObjectRequest {
  std::string bucket{}, key{};
  std::optional<std::pair<std::uint64_t, std::uint64_t>> range{};  // inclusive byte range
  std::optional<std::filesystem::path> download_to{};              // else into memory
};

struct GetObjectResult {
  ObjectInfo info;
  std::string body;  // empty when downloaded to a file
};

struct ObjectSummary {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;
  std::string last_modified;
  std::string storage_class;
};

struct ListObjectsRequest {
  std::string bucket{}, prefix{}, delimiter{}, continuation_token{}, start_after{};
  int max_keys = 1000;
};

struct ListObjectsPage {
  std::vector<ObjectSummary> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_continuation_token;
  // From the answer's headers: the server's Date, and the bucket's region when the server names
  // it (AWS does, in every answer about a bucket; other stores may not).
  std::string server_date;
  std::string bucket_region;
};

struct DeleteObjectsResult {
  std::vector<std::string> deleted;
  std::vector<std::pair<std::string, std::string>> failed;  // key, "Code: message"
};

// An object named by its bucket and key: HeadObject, DeleteObject, GetObjectTagging.
struct ObjectRef {
  std::string bucket{}, key{};
};

struct CopyObjectRequest {
  std::string source_bucket{}, source_key{};
  std::string bucket{}, key{};
  std::optional<ObjectAttributes> replace{};  // REPLACE the metadata (and tags, when given)
};

struct CreateMultipartUploadRequest {
  std::string bucket{}, key{};
  ObjectAttributes attributes{};
};

struct UploadPartRequest {
  std::string bucket{}, key{}, upload_id{};
  int part_number = 0;  // 1..10000
  Body body{};
};

struct CompletedPart {
  int part_number = 0;
  std::string etag;
};

struct PartInfo {
  int part_number = 0;
  std::string etag;
  std::uint64_t size = 0;
};

struct CompleteMultipartUploadRequest {
  std::string bucket{}, key{}, upload_id{};
  std::vector<CompletedPart> parts{};
};

// AbortMultipartUpload.
struct MultipartUploadRef {
  std::string bucket{}, key{}, upload_id{};
};

struct ListPartsRequest {
  std::string bucket{}, key{}, upload_id{};
  int max_parts = 1000;  // per page; S3's maximum is 1,000
  std::string part_number_marker{};
};

struct ListPartsPage {
  std::vector<PartInfo> parts;
  bool truncated = false;
  std::string next_marker;
};

struct MultipartUploadInfo {
  std::string key, upload_id, initiated;
};

struct ListMultipartUploadsRequest {
  std::string bucket{}, prefix{}, key_marker{}, upload_id_marker{};
};

struct ListMultipartUploadsPage {
  std::vector<MultipartUploadInfo> uploads;
  bool truncated = false;
  std::string next_key_marker, next_upload_id_marker;
};

struct PublicAccessBlock {
  bool block_public_acls = true;
  bool ignore_public_acls = true;
  bool block_public_policy = true;
  bool restrict_public_buckets = true;
};

struct LifecycleRule {
  std::string id;
  std::string prefix;  // "" = whole bucket
  bool enabled = true;
  std::optional<int> abort_incomplete_multipart_days;
  std::optional<int> expiration_days;
};

struct CorsRule {
  std::vector<std::string> allowed_origins, allowed_methods, allowed_headers, expose_headers;
  std::optional<int> max_age_seconds;
};

}  // namespace imgsync::s3
