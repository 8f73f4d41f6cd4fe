// The STAC API item-search parameters, read into a catalog::SearchQuery: from a GET query string
// (/search, /collections/{id}/items) or a POST /search JSON body. Every mistake is kInvalidInput
// naming the parameter and what is expected, which the server answers as 400 with a JSON body.
//
//   bbox        W,S,E,N (or 6 numbers with heights); W > E crosses the antimeridian
//   datetime    an RFC 3339 instant, or a closed or open interval "A/B", "../B", "A/..", "/B"
//               (both ends inclusive)
//   intersects  a GeoJSON Point, Polygon or MultiPolygon (POST; GET takes it as JSON text)
//   ids, collections   comma-separated (GET) or arrays (POST)
//   limit       1 or more; above kMaxLimit clamped to it; default kDefaultLimit
//   sortby      properties.datetime (or datetime) or id, each +/- (GET "-properties.datetime",
//               POST [{"field": ..., "direction": "desc"}]); a second key may only be id in the
//               same direction (the order already breaks ties by id)
//   token       where the previous page ended (from a next link)
//   fields      which members of each Item to return (api/item_fields.h)
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/item_fields.h"
#include "catalog/item_query.h"
#include "util/result.h"

namespace imgsync::api {

inline constexpr std::int64_t kDefaultLimit = 10;
inline constexpr std::int64_t kMaxLimit = 10'000;

struct ItemSearch {
  catalog::SearchQuery query;            // limit set (clamped)
  std::vector<std::string> collections;  // empty: any
  FieldSelection fields;                 // whole Items unless the request names fields
};

using QueryParameters = std::map<std::string, std::string>;  // decoded names and values

Result<ItemSearch> search_from_parameters(const QueryParameters& parameters);
Result<ItemSearch> search_from_body(const nlohmann::json& body);

// A next-page token and back: "<sort_ms>:<id>".
std::string encode_token(const catalog::PageCursor& cursor);
Result<catalog::PageCursor> decode_token(const std::string& token);

}  // namespace imgsync::api
