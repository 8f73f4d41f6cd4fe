// A second S3 client, independent of imgsync's: curl's own SigV4 (--aws-sigv4) and URL handling,
// pugixml on the listing, and a percent-encoder of its own. Read-back checks use it beside
// imgsync's client, so that a bug shared by imgsync's writes and reads (a key encoded wrongly both
// ways, say) cannot pass them. curl comes from scripts/setup.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "support/s3_server.h"

namespace imgsync::testing {

class CurlS3 {
 public:
  CurlS3(S3ServerInfo server, std::string bucket);

  // Every key under `prefix` (ListObjectsV2, following continuation tokens); nullopt when a
  // request failed (error() says why).
  std::optional<std::vector<std::string>> list_keys(const std::string& prefix = "");
  // The object's bytes; nullopt when the request failed.
  std::optional<std::string> get(const std::string& key);
  // The bucket's configuration document `name` ("versioning", "lifecycle", ...).
  std::optional<std::string> get_configuration(const std::string& name);
  const std::string& error() const { return error_; }

 private:
  std::optional<std::string> fetch(const std::string& path_and_query);

  S3ServerInfo server_;
  std::string bucket_;
  std::string error_;
};

// RFC 3986 percent-encoding of everything but the unreserved characters (and '/' when
// `keep_slash`): what S3 expects in a path and a query.
std::string percent_encode(const std::string& text, bool keep_slash);

}  // namespace imgsync::testing
