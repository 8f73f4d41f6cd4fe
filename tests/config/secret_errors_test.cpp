// Config errors name the file, the line and the problem, never the text found there: a mangled
// line of ~/.aws/credentials or imgsync.toml is often the secret itself.
#include <gtest/gtest.h>

#include "config/app_config.h"
#include "config/ini_file.h"

namespace imgsync::config {
namespace {

constexpr const char* kSecret = "wJalrXUtnFEMIK7MDENGbPxRfiCYSECRETKEY";

TEST(IniErrors, MalformedLinesAreNamedByNumberNotEchoed) {
  const std::vector<std::pair<std::string, std::string>> broken = {
      // A secret wrapped onto a continuation line.
      {std::string("[default]\naws_access_key_id = AKIA\naws_secret_access_key =\n") + kSecret +
           "\n",
       "credentials:4: expected \"key = value\""},
      {std::string("[") + kSecret + "\nk = v\n", "credentials:1: a section header lacks"},
      {std::string(kSecret) + " = x\n", "credentials:1: a key comes before any [section]"},
  };
  for (const auto& [text, expected] : broken) {
    auto ini = parse_ini(text, "credentials");
    ASSERT_FALSE(ini.ok()) << text;
    EXPECT_EQ(ini.error().category, ErrorCategory::kInvalidInput);
    EXPECT_NE(ini.error().message.find(expected), std::string::npos) << ini.error().message;
    EXPECT_EQ(ini.error().message.find("wJalr"), std::string::npos) << ini.error().message;
  }
}

TEST(TomlErrors, SyntaxErrorsNameTheLineButNotTheText) {
  const std::vector<std::string> broken = {
      std::string("[[notify]]\ntype = \"webhook\"\nurl = https://hooks.example/") + kSecret + "\n",
      std::string("destination = \"s3://b/p\"\n") + kSecret + "\n",
      std::string("destination = \"s3://b/p\\q") + kSecret + "\"\n",
      std::string("project = '") + kSecret + "\n",
  };
  for (const auto& text : broken) {
    auto config = parse_app_config(text, "imgsync.toml");
    ASSERT_FALSE(config.ok()) << text;
    EXPECT_EQ(config.error().category, ErrorCategory::kInvalidInput);
    EXPECT_NE(config.error().message.find("imgsync.toml:"), std::string::npos)
        << config.error().message;
    EXPECT_NE(config.error().message.find("not valid TOML"), std::string::npos);
    EXPECT_EQ(config.error().message.find("wJalr"), std::string::npos) << config.error().message;
    EXPECT_EQ(config.error().message.find("hooks.example"), std::string::npos)
        << config.error().message;
  }
}

TEST(TomlErrors, TheProblemLosesWhatItQuotes) {
  EXPECT_EQ(toml_problem_without_input("Error while parsing value: expected value, saw 'w'"),
            "Error while parsing value: expected value (the text there is not shown: it may be "
            "a secret)");
  EXPECT_EQ(toml_problem_without_input("'x'"),
            "unreadable TOML (the text there is not shown: it may be a secret)");
}

}  // namespace
}  // namespace imgsync::config
