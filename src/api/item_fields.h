// The STAC API Fields extension (item-search#fields, ogcapi-features#fields): which members of
// each Item a search returns. GET `fields=id,properties.title,-assets` ('-' excludes, '+' or
// nothing includes); POST `"fields": {"include": [...], "exclude": [...]}`. Paths are dotted
// ("properties.imgsync:make").
//
// Semantics (the extension's): no fields, or both lists empty: whole Items. Otherwise the Item
// keeps the default members (type, stac_version, id, bbox, geometry, collection, links, assets,
// properties.datetime) plus those included, less those excluded; a path both included and
// excluded stays (include wins), and excluding a member inside an included one removes just it
// (include "properties", exclude "properties.title").
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/result.h"

namespace imgsync::api {

struct FieldSelection {
  std::vector<std::string> include, exclude;
  bool whole() const { return include.empty() && exclude.empty(); }
};

Result<FieldSelection> fields_from_text(const std::string& text);
Result<FieldSelection> fields_from_json(const nlohmann::json& value);

// The Item as the selection shapes it.
nlohmann::json select_fields(const nlohmann::json& item, const FieldSelection& fields);

}  // namespace imgsync::api
