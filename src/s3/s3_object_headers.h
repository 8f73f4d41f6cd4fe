// Mapping between object attributes and HTTP headers, shared by the object operations.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "s3/http_types.h"
#include "s3/s3_types.h"
#include "util/result.h"

namespace imgsync::s3 {

std::vector<HttpHeader> object_attribute_headers(const ObjectAttributes& attributes);
// The object's attributes from a HEAD or GET answer. kFatal (naming the header) when the server
// sent a Content-Length that is not a decimal byte count; never throws, whatever the headers.
Result<ObjectInfo> object_info_from_headers(const std::string& key, const HttpResponse& response);
// A Content-Length value: decimal digits only (RFC 9110), fitting 64 bits; nullopt otherwise.
std::optional<std::uint64_t> parse_content_length(std::string_view text);
std::string copy_source_header(const std::string& bucket, const std::string& key);
// "a=b&c=d", encoded as x-amz-tagging expects.
std::string tagging_header(const std::map<std::string, std::string>& tags);

}  // namespace imgsync::s3
