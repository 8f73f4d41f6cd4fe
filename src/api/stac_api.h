// The STAC API of `imgsync serve`, apart from HTTP: one request in, one response out. The archive
// is one collection; its Items come from an ItemIndex (the local SQLite index by default).
//
//   GET  /                          landing page (conformsTo, links)
//   GET  /conformance               the conformance classes
//   GET  /api                       this API as OpenAPI 3.0
//   GET  /collections               the one collection
//   GET  /collections/{id}          it
//   GET  /collections/{id}/items    its Items (bbox, datetime, limit, token, sortby...)
//   GET  /collections/{id}/items/{itemId}
//   GET  /search, POST /search      item search (api/search_request.h)
//
// Paging is by keyset: a next link carries where the page ended (GET: a token parameter; POST:
// the whole body again with the token, method POST), so pages never overlap or skip however
// the index changes between them. Every Item leaves with absolute links (self, parent,
// collection, root) and its assets' hrefs made absolute by `asset_href` (a presigned URL for a
// private bucket). Errors are {"code", "description"} with 400, 404 or 405 (500 when the index
// fails).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/search_request.h"
#include "catalog/item_index.h"

namespace imgsync::api {

struct ApiRequest {
  std::string method;          // "GET", "POST"
  std::string path;            // decoded, without the query
  QueryParameters parameters;  // decoded
  std::string body;
  std::string base_url;  // "http://host:port" (no trailing '/')
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Lends an index to one request at a time (a connection per thread for SQLite).
class IndexLease {
 public:
  virtual ~IndexLease() = default;
  virtual catalog::ItemIndex& index() = 0;
};
using IndexProvider = std::function<Result<std::unique_ptr<IndexLease>>()>;

struct ApiSettings {
  std::string collection_id;
  std::string title;  // of the landing page and the collection
  std::string description;
  // An asset's key in the bucket -> the URL clients fetch it from; "" drops the asset's href
  // (never a relative one, which would resolve against the API).
  std::function<std::string(const std::string& key)> asset_href;
};

class StacApi {
 public:
  StacApi(ApiSettings settings, IndexProvider indexes)
      : settings_(std::move(settings)), indexes_(std::move(indexes)) {}
  ApiResponse handle(const ApiRequest& request) const;

 private:
  ApiResponse landing(const ApiRequest& request) const;
  ApiResponse collection(const ApiRequest& request, bool all) const;
  ApiResponse items(const ApiRequest& request, ItemSearch search, bool from_post,
                    const nlohmann::json& body) const;
  ApiResponse item(const ApiRequest& request, const std::string& id) const;
  nlohmann::json collection_json(const std::string& base) const;
  nlohmann::json item_json(const catalog::SearchHit& hit, const std::string& base) const;

  ApiSettings settings_;
  IndexProvider indexes_;
};

// {"code": ..., "description": ...} with `status`.
ApiResponse error_response(int status, const std::string& code, const std::string& description);

// The OpenAPI 3.0 document of /api.
nlohmann::json openapi_document(const std::string& base_url, const std::string& title);

}  // namespace imgsync::api
