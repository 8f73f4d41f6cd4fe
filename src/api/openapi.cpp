// The OpenAPI 3.0 description of `imgsync serve` (GET /api): its paths and parameters. Response
// bodies refer to the STAC API specification's published schemas rather than copying them.
#include "api/stac_api.h"

namespace imgsync::api {
namespace {

using nlohmann::json;

json parameter(const char* name, const char* in, const char* description, json schema,
               bool required = false) {
  return {{"name", name},
          {"in", in},
          {"description", description},
          {"required", required},
          {"schema", std::move(schema)}};
}

json response(const char* description, const char* type, const char* schema_url) {
  return {{"description", description},
          {"content", {{type, {{"schema", {{"$ref", schema_url}}}}}}}};
}

json search_parameters() {
  json list_of_strings = {{"type", "array"}, {"items", {{"type", "string"}}}};
  return json::array({
      parameter("bbox", "query", "west,south,east,north (west > east crosses 180°)",
                {{"type", "array"}, {"items", {{"type", "number"}}}}),
      parameter("datetime", "query", "an RFC 3339 instant or interval (open ends: ..)",
                {{"type", "string"}}),
      parameter("limit", "query", "Items per page (default 10; above 10000 clamped)",
                {{"type", "integer"}, {"minimum", 1}}),
      parameter("ids", "query", "only these Item ids", list_of_strings),
      parameter("collections", "query", "only these collections", list_of_strings),
      parameter("intersects", "query", "a GeoJSON Point, Polygon or MultiPolygon",
                {{"type", "string"}}),
      parameter("sortby", "query", "properties.datetime or id, with +/-", {{"type", "string"}}),
      parameter("token", "query", "the next page (from a next link)", {{"type", "string"}}),
      parameter("fields", "query", "members to return: id,properties.title,-assets",
                {{"type", "string"}}),
  });
}

}  // namespace

json openapi_document(const std::string& base_url, const std::string& title) {
  constexpr const char* kItemCollection =
      "https://api.stacspec.org/v1.0.0/item-search/openapi.yaml#/components/schemas/"
      "itemCollection";
  constexpr const char* kCore = "https://api.stacspec.org/v1.0.0/core/openapi.yaml";
  constexpr const char* kFeatures = "https://api.stacspec.org/v1.0.0/ogcapi-features/openapi.yaml";
  const json error = response("a JSON error", "application/json",
                              "https://api.stacspec.org/v1.0.0/core/openapi.yaml#/components/"
                              "schemas/exception");
  auto get = [&](const char* summary, json ok, json parameters = json::array()) {
    return json{{"summary", summary},
                {"parameters", std::move(parameters)},
                {"responses", {{"200", std::move(ok)}, {"400", error}, {"404", error}}}};
  };
  const std::string features(kFeatures);
  json paths = {
      {"/",
       {{"get", get("landing page",
                    response("the landing page", "application/json",
                             (std::string(kCore) + "#/components/schemas/landingPage").c_str()))}}},
      {"/conformance",
       {{"get", get("conformance classes",
                    response("the classes", "application/json",
                             (features + "#/components/schemas/confClasses").c_str()))}}},
      {"/api", {{"get", get("this document", {{"description", "OpenAPI 3.0"}})}}},
      {"/collections",
       {{"get",
         get("collections", response("the collections", "application/json",
                                     (features + "#/components/schemas/collections").c_str()))}}},
      {"/collections/{collectionId}",
       {{"get", get("a collection",
                    response("the collection", "application/json",
                             (features + "#/components/schemas/collection").c_str()),
                    json::array({parameter("collectionId", "path", "collection id",
                                           {{"type", "string"}}, true)}))}}},
  };
  json items_parameters = search_parameters();
  items_parameters.push_back(
      parameter("collectionId", "path", "collection id", {{"type", "string"}}, true));
  paths["/collections/{collectionId}/items"] = {
      {"get", get("the collection's Items",
                  response("Items", "application/geo+json", kItemCollection), items_parameters)}};
  json item_parameters =
      json::array({parameter("collectionId", "path", "collection id", {{"type", "string"}}, true),
                   parameter("itemId", "path", "Item id", {{"type", "string"}}, true)});
  paths["/collections/{collectionId}/items/{itemId}"] = {
      {"get", get("one Item",
                  response("the Item", "application/geo+json",
                           (features + "#/components/schemas/item").c_str()),
                  item_parameters)}};
  json post = get("search (JSON body)", response("Items", "application/geo+json", kItemCollection));
  post.erase("parameters");
  post["requestBody"] = {
      {"content",
       {{"application/json",
         {{"schema",
           {{"$ref",
             "https://api.stacspec.org/v1.0.0/item-search/openapi.yaml#/components/"
             "schemas/searchBody"}}}}}}}};
  paths["/search"] = {
      {"get", get("search", response("Items", "application/geo+json", kItemCollection),
                  search_parameters())},
      {"post", post}};
  return {{"openapi", "3.0.3"},
          {"info",
           {{"title", title},
            {"version", IMGSYNC_VERSION},
            {"description", "STAC API of an imgsync archive"}}},
          {"servers", json::array({{{"url", base_url}}})},
          {"paths", std::move(paths)}};
}

}  // namespace imgsync::api
