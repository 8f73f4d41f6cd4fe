// stored_position (app/shared_catalog.h): the shared catalog's positions kept in the index are
// read without a throw; a damaged one is an error that names the fix.
#include <gtest/gtest.h>

#include "app/shared_catalog.h"
#include "catalog/search_index.h"
#include "support/test_paths.h"

namespace imgsync::app {
namespace {

using imgsync::testing::ScratchDir;

TEST(StoredPosition, NoneIsZeroANumberIsItself) {
  ScratchDir scratch("imgsync-position");
  auto index = catalog::SearchIndex::open(scratch.path(), /*for_queries=*/false);
  ASSERT_TRUE(index.ok()) << index.error().message;
  auto none = stored_position(*index, "catalog.published");
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_EQ(*none, 0);
  ASSERT_TRUE(index->set_setting("catalog.published", "9000000000").ok());
  auto held = stored_position(*index, "catalog.published");
  ASSERT_TRUE(held.ok()) << held.error().message;
  EXPECT_EQ(*held, 9000000000);
}

TEST(StoredPosition, ADamagedValueIsAnErrorNamingTheRebuild) {
  ScratchDir scratch("imgsync-position");
  auto index = catalog::SearchIndex::open(scratch.path(), /*for_queries=*/false);
  ASSERT_TRUE(index.ok()) << index.error().message;
  for (const char* damaged : {"", "twelve", "12abc", "99999999999999999999999"}) {
    ASSERT_TRUE(index->set_setting("catalog.forwarded", damaged).ok());
    auto read = stored_position(*index, "catalog.forwarded");
    ASSERT_FALSE(read.ok()) << damaged;
    EXPECT_EQ(read.error().category, ErrorCategory::kFatal);
    EXPECT_NE(read.error().message.find("imgsync index rebuild"), std::string::npos)
        << read.error().message;
  }
}

}  // namespace
}  // namespace imgsync::app
