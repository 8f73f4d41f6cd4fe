// Turns a failed libcurl transfer (no HTTP answer) into a typed Error a person can act on: which
// failures are worth retrying, and what to tell the user.
#pragma once

#include <curl/curl.h>

#include <string>
#include <string_view>

#include "util/result.h"

namespace imgsync::s3 {

// `detail` is curl's error buffer (may be empty: curl_easy_strerror is used then); `url` the
// request's. An untrusted or unverifiable server certificate is kTlsVerification (never retried,
// the destination unusable); the message names the fix.
Error transport_error(CURLcode code, std::string_view detail, const std::string& url);

}  // namespace imgsync::s3
