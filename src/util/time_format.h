// The timestamp formats S3 and AWS Signature Version 4 use, all in UTC.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "util/result.h"

namespace imgsync {

using SystemTime = std::chrono::system_clock::time_point;

// "20150830T123600Z": the X-Amz-Date header and the SigV4 request date.
std::string format_amz_date(SystemTime when);
Result<SystemTime> parse_amz_date(std::string_view text);

// "20150830": the date part of a SigV4 credential scope.
std::string format_date_stamp(SystemTime when);

// "Sun, 30 Aug 2015 12:36:00 GMT" (RFC 7231 IMF-fixdate, the RFC 1123 form).
std::string format_http_date(SystemTime when);
// Parses an HTTP Date header, such as a server's Date used to correct clock skew. Accepts the
// IMF-fixdate form and the two obsolete forms RFC 7231 says recipients must also accept:
// "Sunday, 30-Aug-15 12:36:00 GMT" (RFC 850) and "Sun Aug 30 12:36:00 2015" (asctime).
Result<SystemTime> parse_http_date(std::string_view text);

// "2026-05-01T12:00:00.000Z" (milliseconds, UTC): timestamps in S3 XML such as LastModified.
std::string format_iso8601(SystemTime when);
// Accepts "YYYY-MM-DDTHH:MM:SS", optional fraction (any number of digits), then "Z" or an offset
// "+HH:MM" / "-HH:MM".
Result<SystemTime> parse_iso8601(std::string_view text);

}  // namespace imgsync
