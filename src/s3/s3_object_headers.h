// Mapping between object attributes and HTTP headers, shared by the object operations.
#pragma once

#include <string>
#include <vector>

#include "s3/http_types.h"
#include "s3/s3_types.h"

namespace imgsync::s3 {

std::vector<HttpHeader> object_attribute_headers(const ObjectAttributes& attributes);
ObjectInfo object_info_from_headers(const std::string& key, const HttpResponse& response);
std::string copy_source_header(const std::string& bucket, const std::string& key);
// "a=b&c=d", encoded as x-amz-tagging expects.
std::string tagging_header(const std::map<std::string, std::string>& tags);

}  // namespace imgsync::s3
