#include "api/item_fields.h"

#include <algorithm>

namespace imgsync::api {
namespace {

using nlohmann::json;

const std::vector<std::string>& default_fields() {
  static const std::vector<std::string> fields = {"type",  "stac_version", "id",
                                                  "bbox",  "geometry",     "collection",
                                                  "links", "assets",       "properties.datetime"};
  return fields;
}

std::vector<std::string> dotted(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('.', start);
    if (end == std::string::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// Copies the member at `path` of `from` into `to` (creating the objects on the way).
void copy_path(const json& from, json& to, const std::string& path) {
  const json* source = &from;
  json* target = &to;
  const auto parts = dotted(path);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (!source->is_object()) return;
    auto found = source->find(parts[i]);
    if (found == source->end()) return;
    source = &*found;
    if (i + 1 == parts.size()) {
      (*target)[parts[i]] = *source;
    } else {
      if (!(*target)[parts[i]].is_object()) (*target)[parts[i]] = json::object();
      target = &(*target)[parts[i]];
    }
  }
}

void erase_path(json& item, const std::string& path) {
  json* at = &item;
  const auto parts = dotted(path);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!at->is_object() || !at->contains(parts[i])) return;
    at = &(*at)[parts[i]];
  }
  if (at->is_object()) at->erase(parts.back());
}

Error invalid_field(const std::string& message) {
  return make_error(ErrorCategory::kInvalidInput, message);
}

Status check_path(const std::string& path) {
  if (path.empty() || path.front() == '.' || path.back() == '.' ||
      path.find("..") != std::string::npos) {
    return invalid_field(
        "fields: \"" + path +
        "\" is not a member path; write names joined by dots, e.g. properties.title");
  }
  return {};
}

}  // namespace

Result<FieldSelection> fields_from_text(const std::string& text) {
  FieldSelection fields;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string field = text.substr(start, end - start);
    start = end + 1;
    if (field.empty()) continue;
    const bool exclude = field.front() == '-';
    // A '+' arrives as ' ' when the client did not encode it.
    if (exclude || field.front() == '+' || field.front() == ' ') field = field.substr(1);
    if (Status ok = check_path(field); !ok.ok()) return ok.error();
    (exclude ? fields.exclude : fields.include).push_back(field);
  }
  return fields;
}

Result<FieldSelection> fields_from_json(const json& value) {
  const char* shape = "fields must be an object {\"include\": [paths], \"exclude\": [paths]}";
  if (!value.is_object()) return invalid_field(shape);
  FieldSelection fields;
  for (const auto& [name, list] : value.items()) {
    if (name != "include" && name != "exclude") return invalid_field(shape);
    if (list.is_null()) continue;
    if (!list.is_array()) return invalid_field(shape);
    for (const auto& path : list) {
      if (!path.is_string()) return invalid_field(shape);
      if (Status ok = check_path(path.get<std::string>()); !ok.ok()) return ok.error();
      (name == "include" ? fields.include : fields.exclude).push_back(path.get<std::string>());
    }
  }
  return fields;
}

json select_fields(const json& item, const FieldSelection& fields) {
  if (fields.whole()) return item;
  json selected = json::object();
  for (const auto& path : default_fields()) copy_path(item, selected, path);
  for (const auto& path : fields.include) copy_path(item, selected, path);
  for (const auto& path : fields.exclude) {
    const bool included =
        std::find(fields.include.begin(), fields.include.end(), path) != fields.include.end();
    if (!included) erase_path(selected, path);
  }
  return selected;
}

}  // namespace imgsync::api
