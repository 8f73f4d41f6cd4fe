// Fields of JSON that someone else wrote (another writer's catalog lines, a lease, a bucket
// policy, a user's credential_process), read without a throw: nlohmann's value() and get<T>
// throw type_error on a value of another type, and such a throw must not cross a Result.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace imgsync {

// The string at `key`; "" when `object` is not an object, or the key is absent or not a string.
inline std::string json_string(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return {};
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

// The integer at `key`; `fallback` when `object` is not an object, or the key is absent or not
// an integer.
inline std::int64_t json_integer(const nlohmann::json& object, std::string_view key,
                                 std::int64_t fallback = 0) {
  if (!object.is_object()) return fallback;
  const auto found = object.find(key);
  return found != object.end() && found->is_number_integer() ? found->get<std::int64_t>()
                                                             : fallback;
}

}  // namespace imgsync
