// S3's XML bodies: parsing responses into s3_types and writing request bodies.
#pragma once

#include <string>
#include <vector>

#include "s3/s3_types.h"
#include "util/result.h"

namespace imgsync::s3::xml {

// Responses. A body that is not the expected document is an Error (kFatal, "unexpected").
Result<ListObjectsPage> parse_list_objects_v2(const std::string& body);
Result<DeleteObjectsResult> parse_delete_result(const std::string& body);
Result<std::string> parse_initiate_multipart(const std::string& body);  // the UploadId
Result<ListPartsPage> parse_list_parts(const std::string& body);
Result<ListMultipartUploadsPage> parse_list_multipart_uploads(const std::string& body);
// CompleteMultipartUpload and CopyObject answer 200 and may still carry an <Error>.
Result<std::string> parse_etag_result(const std::string& body, const char* root);
Result<PublicAccessBlock> parse_public_access_block(const std::string& body);
Result<std::vector<LifecycleRule>> parse_lifecycle(const std::string& body);
Result<std::vector<CorsRule>> parse_cors(const std::string& body);
Result<std::string> parse_versioning_status(const std::string& body);
Result<std::map<std::string, std::string>> parse_tagging(const std::string& body);

// Request bodies.
std::string delete_objects_body(const std::vector<std::string>& keys);
std::string complete_multipart_body(const std::vector<CompletedPart>& parts);
std::string create_bucket_body(const std::string& region);  // "" for us-east-1
std::string public_access_block_body(const PublicAccessBlock& block);
std::string lifecycle_body(const std::vector<LifecycleRule>& rules);
std::string cors_body(const std::vector<CorsRule>& rules);
std::string versioning_body(bool enabled);

std::string strip_quotes(std::string etag);

}  // namespace imgsync::s3::xml
