// Percent-encoding as AWS Signature Version 4 and S3 define it (RFC 3986 unreserved set).
#pragma once

#include <string>
#include <string_view>

namespace imgsync {

// Keeps A-Z a-z 0-9 - _ . ~ and writes every other byte (UTF-8 taken byte by byte) as %XX with
// uppercase hex. With encode_slash false, '/' is kept too: that is the form for URI paths and
// object keys; query names and values use encode_slash true.
std::string uri_encode(std::string_view text, bool encode_slash = true);

// Reverses %XX escapes (either hex case). With plus_as_space, '+' becomes a space, as in form
// encoding and in S3 listings requested with encoding-type=url. A '%' that does not start a valid
// escape is kept as it is, so decoding never fails.
std::string uri_decode(std::string_view text, bool plus_as_space = false);

}  // namespace imgsync
