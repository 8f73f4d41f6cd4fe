// What an anonymous reader may fetch from the bucket, asked the way a browser asks: a plain GET
// of the object's URL, no signature. `imgsync publish` checks with these before it writes
// anything: a private gallery must not replace a public one, and a public gallery must not
// stand beside public originals (raw/, enhanced/ and metadata/ hold positions and serials).
#pragma once

#include <string>
#include <vector>

#include "app/search_service.h"
#include "catalog/search_index.h"
#include "s3/s3_client.h"
#include "util/result.h"

namespace imgsync::app {

// The object's URL without a signature (what a public link is).
Result<std::string> plain_object_url(s3::S3Client& client, const std::string& bucket,
                                     const std::string& key);

// The HTTP status an anonymous GET of `url` answers (0: no answer). Only the status is read.
int anonymous_status(const std::string& url, const s3::S3Settings& settings);

// kInvalidInput naming the prefix and the fix when anonymous readers may fetch an original or an
// Item of `hits` (one object of each of raw/, enhanced/ and metadata/ is tried).
Status check_originals_not_public(s3::S3Client& client, const BucketLocation& location,
                                  const std::vector<catalog::SearchHit>& hits);

}  // namespace imgsync::app
