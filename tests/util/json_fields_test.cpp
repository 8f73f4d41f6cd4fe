// util/json_fields.h: fields of foreign JSON of any shape, read without a throw.
#include "util/json_fields.h"

#include <gtest/gtest.h>

namespace imgsync {
namespace {

using nlohmann::json;

TEST(JsonFields, TheValueWhenItHasTheTypeElseTheFallback) {
  const json line = json::parse(R"({"href": "s3://b/k", "rel": 5, "expires_ms": 1780000000000,
                                    "owner": null, "items": "12", "half": 1.5})");
  EXPECT_EQ(json_string(line, "href"), "s3://b/k");
  EXPECT_EQ(json_string(line, "rel"), "");  // a number: nlohmann's value() would throw
  EXPECT_EQ(json_string(line, "owner"), "");
  EXPECT_EQ(json_string(line, "absent"), "");
  EXPECT_EQ(json_integer(line, "expires_ms"), 1780000000000);
  EXPECT_EQ(json_integer(line, "items", -1), -1);  // a string
  EXPECT_EQ(json_integer(line, "half", -1), -1);   // not an integer
  EXPECT_EQ(json_integer(line, "absent", 7), 7);
}

TEST(JsonFields, AnythingButAnObjectHasNoFields) {
  for (const json& other : {json("text"), json(12), json::array({1, 2}), json(nullptr),
                            json::parse("{", nullptr, false)}) {
    EXPECT_EQ(json_string(other, "href"), "") << other.dump();
    EXPECT_EQ(json_integer(other, "items", 3), 3) << other.dump();
  }
}

}  // namespace
}  // namespace imgsync
