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
  EXPECT_EQ(config->upload.metadata_jobs, 0);
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
                          "from",          "to",         "username",       "password_env",
                          "metadata_jobs"}) {
    EXPECT_NE(document.find("| `" + std::string(key) + "` |"), std::string::npos)
        << key << " has no row in docs/configuration.md";
  }
}

TEST(ConfigErrors, EveryProblemAtOnceInFileOrder) {
  testing::ScratchDir dir;
  const auto file = dir.path() / "imgsync.toml";
  auto config = parse_app_config(R"(project = 5
[upload]
jobs = 0
bogus = 1
[[source]]
path = "out"
kind = "cooked"
[thumbnails]
quality = 500
)",
                                 file);
  ASSERT_FALSE(config.ok());
  const std::string& message = config.error().message;
  EXPECT_NE(message.find("has 5 problems, in file order"), std::string::npos) << message;
  std::size_t previous = 0;
  for (int line : {1, 3, 4, 7, 9}) {
    const auto at = message.find(file.string() + ":" + std::to_string(line) + ":");
    ASSERT_NE(at, std::string::npos) << "line " << line << " missing:\n" << message;
    EXPECT_GT(at, previous) << "line " << line << " out of order:\n" << message;
    previous = at;
  }
  // One problem reads as before: just it.
  auto one = parse_app_config("project = 5\n", file);
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.error().message.find("problems"), std::string::npos) << one.error().message;
}

}  // namespace
}  // namespace imgsync::config
