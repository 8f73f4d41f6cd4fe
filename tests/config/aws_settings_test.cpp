#include "config/aws_settings.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "config/ini_file.h"
#include "config/s3_uri.h"
#include "support/test_paths.h"

namespace imgsync::config {
namespace {

// A fake home with ~/.aws files and a chosen environment.
class AwsSettingsTest : public ::testing::Test {
 protected:
  AwsSettingsTest() { env_.home = home_.path(); }

  void credentials_file(const std::string& text) {
    testing::write_file(home_.path() / ".aws" / "credentials", text);
  }
  void config_file(const std::string& text) {
    testing::write_file(home_.path() / ".aws" / "config", text);
  }
  void set(const std::string& name, const std::string& value) { env_.variables[name] = value; }

  Result<S3Settings> resolve(const S3Overrides& overrides = {}) {
    return resolve_s3_settings(env_, overrides);
  }

  testing::ScratchDir home_{"imgsync-home"};
  Environment env_;
};

TEST_F(AwsSettingsTest, EnvironmentCredentialsAndDefaultsPointAtAws) {
  set("AWS_ACCESS_KEY_ID", "AKIDENV");
  set("AWS_SECRET_ACCESS_KEY", "env-secret");
  set("AWS_SESSION_TOKEN", "token");
  auto settings = resolve();
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  EXPECT_EQ(settings->credentials.access_key_id, "AKIDENV");
  EXPECT_EQ(settings->credentials.session_token, "token");
  EXPECT_EQ(settings->credentials.source, "environment");
  EXPECT_EQ(settings->region, "us-east-1");
  EXPECT_EQ(settings->endpoint_url(), "https://s3.us-east-1.amazonaws.com");
  EXPECT_FALSE(settings->custom_endpoint);
  EXPECT_TRUE(settings->verify_tls);
  EXPECT_FALSE(settings->use_path_style("my-bucket"));
  // Dotted buckets break the *.s3 wildcard certificate over HTTPS.
  EXPECT_TRUE(settings->use_path_style("my.dotted.bucket"));
  EXPECT_TRUE(settings->use_path_style("Upper_Case"));
}

TEST_F(AwsSettingsTest, ProfileFilesRegionAndEndpointFromConfig) {
  credentials_file(
      "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n"
      "[field]\naws_access_key_id = AKIDFIELD\naws_secret_access_key = s2\n");
  config_file(
      "# comment\n[default]\nregion = eu-west-1\n"
      "[profile field]\nregion = eu-central-1\ns3 =\n  endpoint_url = http://127.0.0.1:9000\n"
      "  addressing_style = virtual\n");
  auto by_default = resolve();
  ASSERT_TRUE(by_default.ok()) << by_default.error().message;
  EXPECT_EQ(by_default->credentials.access_key_id, "AKIDDEFAULT");
  EXPECT_EQ(by_default->region, "eu-west-1");
  EXPECT_EQ(by_default->endpoint_host, "s3.eu-west-1.amazonaws.com");

  set("AWS_PROFILE", "field");
  auto field = resolve();
  ASSERT_TRUE(field.ok()) << field.error().message;
  EXPECT_EQ(field->profile, "field");
  EXPECT_EQ(field->credentials.access_key_id, "AKIDFIELD");
  EXPECT_EQ(field->region, "eu-central-1");
  EXPECT_EQ(field->endpoint_url(), "http://127.0.0.1:9000");
  EXPECT_TRUE(field->custom_endpoint);
  EXPECT_EQ(field->addressing_style, AddressingStyle::kVirtual);
  EXPECT_FALSE(field->use_path_style("bucket"));
}

TEST_F(AwsSettingsTest, PrecedenceFlagsOverEnvironmentOverProfile) {
  credentials_file(
      "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n"
      "[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = s\n");
  config_file("[default]\nregion = eu-west-1\nendpoint_url = https://profile.example\n");
  set("AWS_ACCESS_KEY_ID", "AKIDENV");
  set("AWS_SECRET_ACCESS_KEY", "env-secret");
  set("AWS_DEFAULT_REGION", "ap-south-1");
  set("AWS_ENDPOINT_URL", "https://generic.example");
  auto settings = resolve();
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->credentials.access_key_id, "AKIDENV");
  EXPECT_EQ(settings->region, "ap-south-1");
  EXPECT_EQ(settings->endpoint_host, "generic.example");

  set("AWS_REGION", "sa-east-1");
  set("AWS_ENDPOINT_URL_S3", "https://s3-specific.example/base/");
  settings = resolve();
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->region, "sa-east-1");
  EXPECT_EQ(settings->endpoint_host, "s3-specific.example");
  EXPECT_EQ(settings->endpoint_base_path, "/base");

  S3Overrides flags;
  flags.profile = "other";  // an explicit profile beats the environment's keys, as in the AWS CLI
  flags.region = "us-west-2";
  flags.endpoint_url = "http://localhost:7480";
  settings = resolve(flags);
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->credentials.access_key_id, "AKIDOTHER");
  EXPECT_EQ(settings->region, "us-west-2");
  EXPECT_EQ(settings->endpoint_url(), "http://localhost:7480");
  EXPECT_TRUE(settings->use_path_style("bucket"));  // localhost: path style

  set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
  settings = resolve();
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->endpoint_host, "s3.sa-east-1.amazonaws.com");
}

TEST_F(AwsSettingsTest, IpEndpointsUsePathStyleUnlessForced) {
  set("AWS_ACCESS_KEY_ID", "AKID");
  set("AWS_SECRET_ACCESS_KEY", "s");
  S3Overrides flags;
  flags.endpoint_url = "http://192.168.1.10:9000";
  auto settings = resolve(flags);
  ASSERT_TRUE(settings.ok());
  EXPECT_TRUE(settings->use_path_style("bucket"));
  flags.endpoint_url = "https://[::1]:9000";
  settings = resolve(flags);
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->endpoint_host, "[::1]:9000");
  EXPECT_TRUE(settings->use_path_style("bucket"));
  flags.addressing_style = AddressingStyle::kVirtual;
  settings = resolve(flags);
  ASSERT_TRUE(settings.ok());
  EXPECT_FALSE(settings->use_path_style("bucket"));
}

TEST_F(AwsSettingsTest, MistakesAreNamedWithTheirFix) {
  auto none = resolve();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().category, ErrorCategory::kAuth);
  EXPECT_NE(none.error().message.find("AWS_ACCESS_KEY_ID"), std::string::npos);

  set("AWS_ACCESS_KEY_ID", "AKIDHALF");
  auto half = resolve();
  ASSERT_FALSE(half.ok());
  EXPECT_NE(half.error().message.find("AWS_SECRET_ACCESS_KEY is not"), std::string::npos);

  set("AWS_SECRET_ACCESS_KEY", "do-not-print-me");
  S3Overrides flags;
  flags.profile = "typo";
  auto typo = resolve(flags);
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message.find("profile \"typo\""), std::string::npos);

  for (const std::string bad : {"localhost:9000", "ftp://host", "http://", "http://host:99999",
                                "http://h?x=1", "http://user:pass@host"}) {
    S3Overrides endpoint;
    endpoint.endpoint_url = bad;
    auto settings = resolve(endpoint);
    ASSERT_FALSE(settings.ok()) << bad;
    EXPECT_EQ(settings.error().category, ErrorCategory::kInvalidInput) << bad;
    EXPECT_EQ(settings.error().message.find("do-not-print-me"), std::string::npos);
  }
  set("AWS_MAX_ATTEMPTS", "many");
  auto attempts = resolve();
  ASSERT_FALSE(attempts.ok());
  EXPECT_NE(attempts.error().message.find("AWS_MAX_ATTEMPTS"), std::string::npos);
  set("AWS_MAX_ATTEMPTS", "3");
  auto three = resolve();
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(three->max_attempts, 3);
  S3Overrides bundle;
  bundle.ca_bundle = (home_.path() / "missing.pem").string();
  auto missing_bundle = resolve(bundle);
  ASSERT_FALSE(missing_bundle.ok());
  EXPECT_NE(missing_bundle.error().message.find("missing.pem"), std::string::npos);
}

TEST_F(AwsSettingsTest, CredentialProcessRunsWithoutAShell) {
  const auto script = home_.path() / "creds helper.sh";
  testing::write_file(script,
                      "#!/bin/sh\n[ \"$1\" = 'two words' ] || exit 3\n"
                      "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", "
                      "\"SecretAccessKey\": \"proc-secret\", \"SessionToken\": \"tok\", "
                      "\"Expiration\": \"2030-01-02T03:04:05Z\"}'\n");
  chmod(script.c_str(), 0755);
  config_file("[profile proc]\ncredential_process = \"" + script.string() +
              "\" 'two words'\n[profile failing]\ncredential_process = \"" + script.string() +
              "\" wrong\n");
  S3Overrides flags;
  flags.profile = "proc";
  auto settings = resolve(flags);
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  EXPECT_EQ(settings->credentials.access_key_id, "AKIDPROC");
  EXPECT_EQ(settings->credentials.session_token, "tok");
  ASSERT_TRUE(settings->credentials.expiration.has_value());

  flags.profile = "failing";
  auto failing = resolve(flags);
  ASSERT_FALSE(failing.ok());
  EXPECT_EQ(failing.error().category, ErrorCategory::kAuth);
  EXPECT_NE(failing.error().message.find("exit status 3"), std::string::npos);
}

TEST(IniFile, SubsectionsCommentsAndErrors) {
  auto ini = parse_ini("[a]\nk = v\n; c\nnested =\n  x = 1\n  y = 2\nafter = 3\n", "f");
  ASSERT_TRUE(ini.ok());
  EXPECT_EQ((*ini)["a"]["k"], "v");
  EXPECT_EQ((*ini)["a"]["nested.x"], "1");
  EXPECT_EQ((*ini)["a"]["nested.y"], "2");
  EXPECT_EQ((*ini)["a"]["after"], "3");
  auto orphan = parse_ini("k = v\n", "cfg");
  ASSERT_FALSE(orphan.ok());
  EXPECT_NE(orphan.error().message.find("cfg:1"), std::string::npos);
  auto broken = parse_ini("[a\n", "cfg");
  ASSERT_FALSE(broken.ok());
}

TEST(S3Uri, ParsesAndExplainsBadBuckets) {
  auto uri = parse_s3_uri("s3://my-bucket/field/2026/");
  ASSERT_TRUE(uri.ok());
  EXPECT_EQ(uri->bucket, "my-bucket");
  EXPECT_EQ(uri->key, "field/2026/");
  EXPECT_EQ(uri->to_string(), "s3://my-bucket/field/2026/");
  auto root = parse_s3_uri("s3://bucket");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->key, "");
  for (const std::string bad : {"bucket/key", "s3://", "s3:///key", "s3://My_Bucket/x", "s3://ab",
                                "s3://-bucket", "s3://192.168.0.1/x", "s3://a..b"}) {
    auto parsed = parse_s3_uri(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().category, ErrorCategory::kInvalidInput);
  }
}

}  // namespace
}  // namespace imgsync::config
