// The annotated example of `imgsync init --print-config`: it parses, sets every documented key,
// and is the example docs/configuration.md shows.
#include <gtest/gtest.h>

#include "config/app_config.h"
#include "config/config_example.h"
#include "support/test_paths.h"

namespace imgsync::config {
namespace {

TEST(ConfigExample, ParsesWithEveryKeySet) {
  testing::ScratchDir dir;
  auto config = parse_app_config(annotated_example_config(), dir.path() / "imgsync.toml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->destination->bucket, "my-bucket");
  EXPECT_EQ(config->sources.size(), 2u);
  EXPECT_EQ(config->sources.at(0).ready_marker, ".done");
  EXPECT_EQ(config->upload.jobs, 16);
  EXPECT_EQ(config->thumbnails.quality, 80);
  EXPECT_EQ(config->metrics_address, "127.0.0.1:9184");
  EXPECT_EQ(config->s3.endpoint_url, "http://127.0.0.1:7480");
  ASSERT_EQ(config->notifiers.size(), 2u);
  EXPECT_EQ(config->notifiers.at(1).password_env, "IMGSYNC_SMTP_PASSWORD");
}

TEST(ConfigExample, IsTheExampleOfTheDocumentAndEveryKeyIsDocumented) {
  const std::string document =
      testing::read_file(testing::source_dir() / "docs" / "configuration.md");
  const std::string example(annotated_example_config());
  EXPECT_NE(document.find("```toml\n" + example + "```"), std::string::npos)
      << "docs/configuration.md must show annotated_example_config() verbatim";
  for (const char* key : {"destination",   "project",    "name_template",  "state_dir",
                          "path",          "kind",       "include",        "exclude",
                          "ready_marker",  "jobs",       "part_size",      "multipart_threshold",
                          "storage_class", "sse",        "sse_kms_key_id", "enabled",
                          "long_edge",     "quality",    "settle",         "metrics",
                          "profile",       "region",     "endpoint_url",   "addressing_style",
                          "ca_bundle",     "verify_tls", "type",           "when",
                          "url",           "command",    "smtp_url",       "starttls",
                          "from",          "to",         "username",       "password_env"}) {
    EXPECT_NE(document.find("| `" + std::string(key) + "` |"), std::string::npos)
        << key << " has no row in docs/configuration.md";
  }
}

}  // namespace
}  // namespace imgsync::config
