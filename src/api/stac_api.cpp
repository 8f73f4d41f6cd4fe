#include "api/stac_api.h"

#include <fmt/format.h>

#include <algorithm>

#include "util/uri_encoding.h"

namespace imgsync::api {
namespace {

using nlohmann::json;

constexpr const char* kStacVersion = "1.0.0";
constexpr const char* kGeoJson = "application/geo+json";
constexpr const char* kJson = "application/json";

const std::vector<std::string>& conformance_classes() {
  static const std::vector<std::string> classes = {
      "https://api.stacspec.org/v1.0.0/core",
      "https://api.stacspec.org/v1.0.0/item-search",
      "https://api.stacspec.org/v1.0.0/item-search#sort",
      "https://api.stacspec.org/v1.0.0/item-search#fields",
      "https://api.stacspec.org/v1.0.0/ogcapi-features#fields",
      "https://api.stacspec.org/v1.0.0/collections",
      "https://api.stacspec.org/v1.0.0/ogcapi-features",
      "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
      "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
      "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
  };
  return classes;
}

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

ApiResponse json_response(const json& body, const char* type = kJson) {
  return {.status = 200, .content_type = type, .body = dump(body)};
}

json link(const std::string& rel, const std::string& href, const char* type,
          const std::string& title = "") {
  json entry = {{"rel", rel}, {"href", href}, {"type", type}};
  if (!title.empty()) entry["title"] = title;
  return entry;
}

std::vector<std::string> path_segments(const std::string& path) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start < path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

std::string query_string(const QueryParameters& parameters) {
  std::string text;
  for (const auto& [name, value] : parameters) {
    text += (text.empty() ? "?" : "&") + uri_encode(name) + "=" + uri_encode(value);
  }
  return text;
}

Error index_error(const Error& error) {
  return make_error(error.category, "the index could not be read: " + error.message);
}

}  // namespace

ApiResponse error_response(int status, const std::string& code, const std::string& description) {
  return {.status = status,
          .content_type = kJson,
          .body = dump({{"code", code}, {"description", description}})};
}

ApiResponse StacApi::handle(const ApiRequest& request) const {
  const std::vector<std::string> segments = path_segments(request.path);
  const bool get = request.method == "GET" || request.method == "HEAD";
  const bool search = segments.size() == 1 && segments[0] == "search";
  if (!get && !(search && request.method == "POST")) {
    return error_response(405, "MethodNotAllowed",
                          request.method + " is not allowed on " + request.path +
                              (search ? "; use GET or POST" : "; use GET"));
  }
  if (segments.empty()) return landing(request);
  if (segments.size() == 1 && segments[0] == "conformance") {
    return json_response({{"conformsTo", conformance_classes()}});
  }
  if (segments.size() == 1 && segments[0] == "api") {
    return json_response(openapi_document(request.base_url, settings_.title),
                         "application/vnd.oai.openapi+json;version=3.0");
  }
  if (search && request.method == "POST") {
    const json body =
        request.body.empty() ? json::object() : json::parse(request.body, nullptr, false);
    if (body.is_discarded()) {
      return error_response(400, "BadRequest", "the POST /search body is not valid JSON");
    }
    auto parsed = search_from_body(body);
    if (!parsed.ok()) return error_response(400, "BadRequest", parsed.error().message);
    return items(request, std::move(*parsed), true, body);
  }
  if (search) {
    auto parsed = search_from_parameters(request.parameters);
    if (!parsed.ok()) return error_response(400, "BadRequest", parsed.error().message);
    return items(request, std::move(*parsed), false, json());
  }
  if (segments[0] == "collections" && segments.size() == 1) return collection(request, true);
  if (segments[0] == "collections" && segments[1] != settings_.collection_id) {
    return error_response(404, "NotFound",
                          "no collection \"" + segments[1] + "\"; this archive's collection is \"" +
                              settings_.collection_id + "\"");
  }
  if (segments[0] == "collections" && segments.size() == 2) return collection(request, false);
  if (segments[0] == "collections" && segments[2] == "items" && segments.size() == 3) {
    QueryParameters parameters = request.parameters;
    parameters.erase("collections");
    parameters.erase("ids");
    parameters.erase("intersects");
    auto parsed = search_from_parameters(parameters);
    if (!parsed.ok()) return error_response(400, "BadRequest", parsed.error().message);
    return items(request, std::move(*parsed), false, json());
  }
  if (segments[0] == "collections" && segments[2] == "items" && segments.size() == 4) {
    return item(request, segments[3]);
  }
  return error_response(404, "NotFound", "no resource at " + request.path + "; start at /");
}

ApiResponse StacApi::landing(const ApiRequest& request) const {
  const std::string& base = request.base_url;
  json links = json::array(
      {link("self", base + "/", kJson), link("root", base + "/", kJson),
       link("conformance", base + "/conformance", kJson),
       link("service-desc", base + "/api", "application/vnd.oai.openapi+json;version=3.0"),
       link("data", base + "/collections", kJson),
       link("child", base + "/collections/" + settings_.collection_id, kJson, settings_.title)});
  json get_search = link("search", base + "/search", kGeoJson);
  get_search["method"] = "GET";
  json post_search = link("search", base + "/search", kGeoJson);
  post_search["method"] = "POST";
  links.push_back(get_search);
  links.push_back(post_search);
  return json_response({{"type", "Catalog"},
                        {"stac_version", kStacVersion},
                        {"id", settings_.collection_id + "-api"},
                        {"title", settings_.title},
                        {"description", settings_.description},
                        {"conformsTo", conformance_classes()},
                        {"links", links}});
}

json StacApi::collection_json(const std::string& base) const {
  const std::string self = base + "/collections/" + settings_.collection_id;
  return {{"type", "Collection"},
          {"stac_version", kStacVersion},
          {"id", settings_.collection_id},
          {"title", settings_.title},
          {"description", settings_.description},
          {"license", "proprietary"},
          {"extent",
           {{"spatial", {{"bbox", json::array({json::array({-180, -90, 180, 90})})}}},
            {"temporal", {{"interval", json::array({json::array({nullptr, nullptr})})}}}}},
          {"links", json::array({link("self", self, kJson), link("root", base + "/", kJson),
                                 link("parent", base + "/", kJson),
                                 link("items", self + "/items", kGeoJson)})}};
}

ApiResponse StacApi::collection(const ApiRequest& request, bool all) const {
  const std::string& base = request.base_url;
  if (!all) return json_response(collection_json(base));
  return json_response({{"collections", json::array({collection_json(base)})},
                        {"links", json::array({link("self", base + "/collections", kJson),
                                               link("root", base + "/", kJson),
                                               link("parent", base + "/", kJson)})}});
}

json StacApi::item_json(const catalog::SearchHit& hit, const std::string& base) const {
  json item = json::parse(hit.item_json, nullptr, false);
  if (!item.is_object()) item = json::object();
  const std::string collection = base + "/collections/" + settings_.collection_id;
  item["collection"] = settings_.collection_id;
  if (!item.contains("geometry")) item["geometry"] = nullptr;
  json links = json::array();
  if (item.contains("links") && item["links"].is_array()) {
    for (const auto& old : item["links"]) {
      const std::string rel = old.is_object() ? old.value("rel", "") : "";
      if (rel != "self" && rel != "root" && rel != "parent" && rel != "collection") {
        links.push_back(old);
      }
    }
  }
  links.push_back(link("self", collection + "/items/" + uri_encode(hit.id), kGeoJson));
  links.push_back(link("parent", collection, kJson));
  links.push_back(link("collection", collection, kJson));
  links.push_back(link("root", base + "/", kJson));
  item["links"] = std::move(links);
  if (item.contains("assets") && item["assets"].is_object()) {
    for (auto& [name, asset] : item["assets"].items()) {
      if (!asset.is_object() || !asset.contains("href") || !asset["href"].is_string()) continue;
      const std::string href = asset["href"].get<std::string>();
      if (href.find("://") != std::string::npos) continue;  // already absolute
      const std::string key = catalog::resolve_href(hit.item_key, href);
      asset["href"] = key.empty() ? "" : settings_.asset_href(key);
    }
  }
  return item;
}

ApiResponse StacApi::items(const ApiRequest& request, ItemSearch search, bool from_post,
                           const json& body) const {
  const std::string& base = request.base_url;
  json features = json::array();
  const bool in_collection =
      search.collections.empty() || std::find(search.collections.begin(), search.collections.end(),
                                              settings_.collection_id) != search.collections.end();
  const std::int64_t limit = *search.query.limit;
  std::optional<catalog::PageCursor> next;
  if (in_collection) {
    auto lease = indexes_();
    if (!lease.ok()) {
      return error_response(500, "ServerError", index_error(lease.error()).message);
    }
    search.query.limit = limit + 1;  // one more tells whether a next page exists
    auto hits = (*lease)->index().search(search.query);
    if (!hits.ok()) return error_response(500, "ServerError", index_error(hits.error()).message);
    const std::size_t shown = std::min(hits->size(), static_cast<std::size_t>(limit));
    for (std::size_t i = 0; i < shown; ++i) {
      features.push_back(select_fields(item_json((*hits)[i], base), search.fields));
    }
    if (hits->size() > shown) {
      next =
          catalog::PageCursor{.sort_ms = (*hits)[shown - 1].sort_ms(), .id = (*hits)[shown - 1].id};
    }
  }
  QueryParameters parameters = request.parameters;
  parameters.erase("token");
  json links = json::array({link("root", base + "/", kJson)});
  links.push_back(
      link("self", base + request.path + (from_post ? "" : query_string(parameters)), kGeoJson));
  if (next && from_post) {
    json next_body = body;
    next_body["token"] = encode_token(*next);
    json next_link = link("next", base + request.path, kGeoJson);
    next_link["method"] = "POST";
    next_link["body"] = std::move(next_body);
    next_link["merge"] = false;
    links.push_back(std::move(next_link));
  } else if (next) {
    parameters["token"] = encode_token(*next);
    links.push_back(link("next", base + request.path + query_string(parameters), kGeoJson));
  }
  const auto returned = features.size();
  json page = {{"type", "FeatureCollection"},
               {"features", std::move(features)},
               {"links", std::move(links)},
               {"numberReturned", returned}};
  // Only where it is known without counting: a first page with no next page holds every match.
  // A later page cannot know how many earlier pages held now (Items come and go between pages),
  // and counting every match would cost as much as reading them all.
  if (!search.query.after && !next) page["numberMatched"] = returned;
  return json_response(page, kGeoJson);
}

ApiResponse StacApi::item(const ApiRequest& request, const std::string& id) const {
  auto lease = indexes_();
  if (!lease.ok()) return error_response(500, "ServerError", index_error(lease.error()).message);
  catalog::SearchQuery query;
  query.ids = {id};
  query.limit = 1;
  auto hits = (*lease)->index().search(query);
  if (!hits.ok()) return error_response(500, "ServerError", index_error(hits.error()).message);
  if (hits->empty()) {
    return error_response(
        404, "NotFound",
        "no Item \"" + id + "\" in collection \"" + settings_.collection_id + "\"");
  }
  return json_response(item_json(hits->front(), request.base_url), kGeoJson);
}

}  // namespace imgsync::api
