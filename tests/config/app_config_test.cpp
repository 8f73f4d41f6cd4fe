#include "config/app_config.h"

#include <gtest/gtest.h>

#include "support/test_paths.h"

namespace imgsync::config {
namespace {

Result<AppConfig> load(const testing::ScratchDir& dir, const std::string& text) {
  testing::write_file(dir.path() / "imgsync.toml", text);
  return load_app_config(dir.path() / "imgsync.toml");
}

TEST(AppConfig, ReadsEveryKey) {
  testing::ScratchDir dir;
  auto config = load(dir, R"(
destination = "s3://survey-bucket/field/2026"
project = "survey"
name_template = "{project}_{slug}_{date:%Y%m%d}"
[[source]]
path = "out/raw"
kind = "raw"
include = ["*.cr3", "*.jpg"]
[[source]]
path = "/abs/enhanced"
exclude = ["*_tmp.*"]
[upload]
jobs = 8
metadata_jobs = 3
part_size = "16MiB"
multipart_threshold = "32MiB"
storage_class = "STANDARD_IA"
sse = "aws:kms"
sse_kms_key_id = "alias/imgsync"
[s3]
profile = "field"
endpoint_url = "http://127.0.0.1:9000"
addressing_style = "path"
verify_tls = false
)");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->destination->bucket, "survey-bucket");
  EXPECT_EQ(config->destination->key, "field/2026");
  EXPECT_EQ(config->project, "survey");
  EXPECT_EQ(config->state_dir, dir.path() / ".imgsync");
  ASSERT_EQ(config->sources.size(), 2u);
  EXPECT_EQ(config->sources[0].path, dir.path() / "out/raw");
  EXPECT_EQ(config->sources[0].kind, SourceKind::kRaw);
  EXPECT_EQ(config->sources[0].include, (std::vector<std::string>{"*.cr3", "*.jpg"}));
  EXPECT_EQ(config->sources[1].path, "/abs/enhanced");
  EXPECT_EQ(config->sources[1].kind, SourceKind::kEnhanced);
  EXPECT_EQ(config->upload.jobs, 8);
  EXPECT_EQ(config->upload.metadata_jobs, 3);
  EXPECT_EQ(config->upload.part_size, 16ull << 20);
  EXPECT_EQ(config->upload.multipart_threshold, 32ull << 20);
  EXPECT_EQ(config->upload.server_side_encryption, "aws:kms");
  EXPECT_EQ(config->s3.profile, "field");
  EXPECT_EQ(config->s3.addressing_style, AddressingStyle::kPath);
  EXPECT_EQ(config->s3.verify_tls, false);
}

struct BadConfig {
  const char* text;
  const char* must_mention;
};

class AppConfigErrors : public ::testing::TestWithParam<BadConfig> {};

TEST_P(AppConfigErrors, NameTheFileLineAndKey) {
  testing::ScratchDir dir;
  auto config = load(dir, GetParam().text);
  ASSERT_FALSE(config.ok()) << GetParam().text;
  EXPECT_EQ(config.error().category, ErrorCategory::kInvalidInput);
  const std::string& message = config.error().message;
  EXPECT_NE(message.find("imgsync.toml:"), std::string::npos) << message;
  EXPECT_NE(message.find(GetParam().must_mention), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AppConfigErrors,
    ::testing::Values(
        BadConfig{"projcet = \"x\"\n", "projcet"},
        BadConfig{"\n\ndestination = \"http://b\"\n", ":3: destination"},
        BadConfig{"[upload]\njobs = 0\n", "upload.jobs"},
        BadConfig{"[upload]\njobs = \"many\"\n", "upload.jobs"},
        BadConfig{"[upload]\nmetadata_jobs = -1\n", "upload.metadata_jobs"},
        BadConfig{"[upload]\nmetadata_jobs = 65\n", "from 0 (one worker process per core) to 64"},
        BadConfig{"[upload]\nmetadata_jobs = \"all\"\n", "upload.metadata_jobs"},
        BadConfig{"[upload]\npart_size = \"1MiB\"\n", "5MiB"},
        BadConfig{"[upload]\npart_size = \"lots\"\n", "upload.part_size"},
        BadConfig{"[upload]\nsse = \"rot13\"\n", "upload.sse"},
        BadConfig{"[upload]\nsse_kms_key_id = \"k\"\n", "aws:kms"},
        BadConfig{"[s3]\naddressing_style = \"sideways\"\n", "s3.addressing_style"},
        BadConfig{"[s3]\nverify_tls = \"yes\"\n", "s3.verify_tls"},
        BadConfig{"[s3]\nendpont_url = \"x\"\n", "endpont_url"},
        BadConfig{"[[source]]\nkind = \"raw\"\n", "needs a path"},
        BadConfig{"[[source]]\npath = \"a\"\nkind = \"cooked\"\n", "source.kind"},
        BadConfig{"[[source]]\npath = \"a\"\ninclude = \"*.jpg\"\n", "source.include"},
        BadConfig{"[[source]]\npath = \"a\"\nready_marker = \"done\"\n", "source.ready_marker"},
        BadConfig{"[watch]\nsettle = -1\n", "watch.settle"},
        BadConfig{"[[notify]]\ntype = \"pager\"\n", "notify.type"},
        BadConfig{"[[notify]]\ntype = \"exec\"\n", "notify.command"},
        BadConfig{"[[notify]]\ntype = \"webhook\"\nurl = \"ftp://x\"\n", "notify.url"},
        BadConfig{"[[notify]]\ntype = \"slack\"\nurl = \"https://h\"\nwhen = "
                  "\"sometimes\"\n",
                  "notify.when"},
        BadConfig{"[[notify]]\ntype = \"email\"\nsmtp_url = \"http://mail:25\"\nfrom = "
                  "\"a@b\"\nto = \"c@d\"\n",
                  "notify.smtp_url"},
        BadConfig{"[[notify]]\ntype = \"email\"\nsmtp_url = \"smtp://u:pw@mail:25\"\nfrom = "
                  "\"a@b\"\nto = \"c@d\"\n",
                  "must not hold credentials"},
        BadConfig{"[[notify]]\ntype = \"email\"\nsmtp_url = \"smtp://mail\"\nto = \"c@d\"\n",
                  "notify.from"},
        BadConfig{"[[notify]]\ntype = \"email\"\nsmtp_url = \"smtp://mail\"\nfrom = \"a@b\"\n",
                  "notify.to"},
        BadConfig{"[[notify]]\ntype = \"email\"\nsmtp_url = \"smtp://mail\"\nfrom = "
                  "\"a@b\"\nto = [\"c@d\", \"nobody\"]\n",
                  "\"nobody\" is not an e-mail address"},
        BadConfig{"[[notify]]\ntype = \"email\"\nsmtp_url = \"smtp://mail\"\nfrom = "
                  "\"a@b\"\nto = \"c@d\"\npassword_env = \"P\"\n",
                  "notify.password_env"},
        BadConfig{"[[notify]]\ntype = \"email\"\nsmtp_url = \"smtp://mail\"\nfrom = "
                  "\"a@b\"\nto = \"c@d\"\nstarttls = \"yes\"\n",
                  "notify.starttls"},
        BadConfig{"[[notify]]\ntype = \"email\"\npassword = \"x\"\n", "notify.password"},
        BadConfig{"[watch]\nmetrics = \"9184\"\n", "watch.metrics"},
        BadConfig{"[watch]\nmetrics = \"127.0.0.1:99999\"\n", "watch.metrics"},
        BadConfig{"[thumbnails]\nlong_edge = 8\n", "thumbnails.long_edge"},
        BadConfig{"[thumbnails]\nquality = 101\n", "thumbnails.quality"},
        BadConfig{"[thumbnails]\nenabled = \"no\"\n", "thumbnails.enabled"},
        BadConfig{"[thumbnails]\nsize = 256\n", "thumbnails.size"},
        BadConfig{"thumbnails = 256\n", "[thumbnails] table"},
        BadConfig{"destination = \n", "not valid TOML"}));

TEST(AppConfig, ReadsThumbnailSettings) {
  testing::ScratchDir dir;
  auto defaults = load(dir, "");
  ASSERT_TRUE(defaults.ok());
  EXPECT_TRUE(defaults->thumbnails.enabled);
  EXPECT_EQ(defaults->thumbnails.long_edge, 512);
  auto config = load(dir, "[thumbnails]\nenabled = false\nlong_edge = 1024\nquality = 60\n");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_FALSE(config->thumbnails.enabled);
  EXPECT_EQ(config->thumbnails.long_edge, 1024);
  EXPECT_EQ(config->thumbnails.quality, 60);
}

TEST(AppConfig, ReadsEmailNotifierAndMetricsAddress) {
  testing::ScratchDir dir;
  auto config = load(dir, R"(
[watch]
metrics = "127.0.0.1:9184"
[[notify]]
type = "email"
smtp_url = "smtps://mail.example.com:465"
from = "imgsync@example.com"
to = "ops@example.com"
username = "imgsync"
password_env = "IMGSYNC_SMTP_PASSWORD"
ca_bundle = "certs/ca.pem"
when = "always"
[[notify]]
type = "email"
smtp_url = "smtp://127.0.0.1:2525"
starttls = false
from = "imgsync@example.com"
to = ["a@example.com", "b@example.com"]
)");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->metrics_address, "127.0.0.1:9184");
  ASSERT_EQ(config->notifiers.size(), 2u);
  const auto& tls = config->notifiers[0];
  EXPECT_EQ(tls.type, NotifierType::kEmail);
  EXPECT_EQ(tls.smtp_url, "smtps://mail.example.com:465");
  EXPECT_TRUE(tls.starttls);
  EXPECT_EQ(tls.to, std::vector<std::string>{"ops@example.com"});
  EXPECT_EQ(tls.username, "imgsync");
  EXPECT_EQ(tls.password_env, "IMGSYNC_SMTP_PASSWORD");
  EXPECT_EQ(tls.ca_bundle, (dir.path() / "certs/ca.pem").string());
  EXPECT_TRUE(tls.always);
  const auto& plain = config->notifiers[1];
  EXPECT_FALSE(plain.starttls);
  EXPECT_EQ(plain.to, (std::vector<std::string>{"a@example.com", "b@example.com"}));
  EXPECT_FALSE(plain.always);
}

TEST(AppConfig, MissingFileAndDirectoryDefaults) {
  testing::ScratchDir dir;
  auto missing = load_app_config(dir.path() / "nope.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("does not exist"), std::string::npos);
  auto defaults = load_app_config_from_directory(dir.path());
  ASSERT_TRUE(defaults.ok());
  EXPECT_TRUE(defaults->config_file.empty());
  EXPECT_EQ(defaults->upload.jobs, 16);
  EXPECT_EQ(defaults->upload.metadata_jobs, 0);
}

}  // namespace
}  // namespace imgsync::config
