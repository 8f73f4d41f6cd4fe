// [catalog] and --catalog: a PostgreSQL URL without a password, the password from a variable;
// every message shows the URL with its password as ***.
#include "config/catalog_config.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "config/app_config.h"
#include "support/test_paths.h"

namespace imgsync::config {
namespace {

Result<AppConfig> parse(const std::string& text) {
  return parse_app_config(text, std::filesystem::path("/tmp/imgsync.toml"));
}

TEST(CatalogConfig, ReadsTheUrlAndThePasswordVariable) {
  auto config = parse(
      "[catalog]\nurl = \"postgresql://ana@db.example:5432/photos?sslmode=require\"\n"
      "password_env = \"TEAM_DB_PASSWORD\"\n");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->catalog.url, "postgresql://ana@db.example:5432/photos?sslmode=require");
  EXPECT_EQ(config->catalog.password_env, "TEAM_DB_PASSWORD");
  ::setenv("TEAM_DB_PASSWORD", "from-the-environment", 1);
  EXPECT_EQ(catalog_password(config->catalog), "from-the-environment");
  ::unsetenv("TEAM_DB_PASSWORD");
  EXPECT_EQ(catalog_password(config->catalog), "");  // libpq: PGPASSWORD, ~/.pgpass
  auto none = parse("project = \"p\"\n");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->catalog.url, "");
  EXPECT_EQ(none->catalog.password_env, kDefaultCatalogPasswordEnv);
}

TEST(CatalogConfig, APasswordInTheUrlIsRefusedWithoutShowingIt) {
  for (const char* url : {"postgresql://ana:Sup3rSecret@db/photos",
                          "postgres://ana@db/photos?sslmode=require&password=Sup3rSecret"}) {
    auto config = parse(std::string("[catalog]\nurl = \"") + url + "\"\n");
    ASSERT_FALSE(config.ok()) << url;
    const std::string& message = config.error().message;
    EXPECT_EQ(message.find("Sup3rSecret"), std::string::npos) << message;
    EXPECT_NE(message.find("holds a password"), std::string::npos) << message;
    EXPECT_NE(message.find("***"), std::string::npos) << message;
    EXPECT_NE(message.find(":2:"), std::string::npos) << message;  // the line
    EXPECT_EQ(config.error().category, ErrorCategory::kInvalidInput);
  }
  Status flag = check_catalog_url("postgresql://ana:Sup3rSecret@db/photos", "--catalog");
  ASSERT_FALSE(flag.ok());
  EXPECT_EQ(flag.error().message.find("Sup3rSecret"), std::string::npos);
  EXPECT_TRUE(flag.error().message.starts_with("--catalog: ")) << flag.error().message;
}

TEST(CatalogConfig, OnlyPostgresqlUrls) {
  auto config = parse("[catalog]\nurl = \"mysql://ana:Sup3rSecret@db/photos\"\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().message.find("not a PostgreSQL URL"), std::string::npos);
  EXPECT_EQ(config.error().message.find("Sup3rSecret"), std::string::npos);
  auto unknown = parse("[catalog]\nhost = \"db\"\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("catalog.host"), std::string::npos)
      << unknown.error().message;
}

TEST(CatalogConfig, RedactsEitherPasswordAndKeepsTheRest) {
  EXPECT_EQ(redact_catalog_url("postgresql://ana:s3cret@db:5432/cat?password=again&x=1"),
            "postgresql://ana:***@db:5432/cat?password=***&x=1");
  EXPECT_EQ(catalog_url_password("postgresql://ana:s3cret@db/cat"), "s3cret");
  EXPECT_EQ(catalog_url_password("postgresql://ana@db/cat?passwordless=1"), "");
  EXPECT_EQ(redact_catalog_url("postgresql://db/cat"), "postgresql://db/cat");
}

}  // namespace
}  // namespace imgsync::config
