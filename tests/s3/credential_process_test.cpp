// run_credential_process on what a user's program may print: the AWS CLI's JSON, or JSON of the
// wrong shape, which is an auth error naming the program (never a throw, never the secret).
#include "s3/credential_process.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/test_paths.h"

namespace imgsync::s3 {
namespace {

using imgsync::testing::ScratchDir;

// A program that prints `json` and exits 0.
std::string printing(const ScratchDir& scratch, const std::string& json) {
  const auto script = scratch.path() / "print-credentials";
  std::ofstream(script) << "#!/bin/sh\ncat <<'EOF'\n" << json << "\nEOF\n";
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  return script.string();
}

TEST(CredentialProcess, ReadsTheAwsCliShape) {
  ScratchDir scratch("imgsync-credential-process");
  auto credentials = run_credential_process(
      printing(scratch, R"({"Version": 1, "AccessKeyId": "AKIAPROCESS", "SecretAccessKey": "s3cr3t",
                   "SessionToken": "t0k3n", "Expiration": "2099-01-01T00:00:00Z"})"));
  ASSERT_TRUE(credentials.ok()) << credentials.error().message;
  EXPECT_EQ(credentials->access_key_id, "AKIAPROCESS");
  EXPECT_EQ(credentials->secret_access_key, "s3cr3t");
  EXPECT_EQ(credentials->session_token, "t0k3n");
  EXPECT_TRUE(credentials->expiration.has_value());
}

TEST(CredentialProcess, FieldsOfAnotherTypeAreAnAuthErrorNotAThrow) {
  ScratchDir scratch("imgsync-credential-process");
  for (const char* json :
       {R"({"Version": "1", "AccessKeyId": "AKIAX", "SecretAccessKey": "s3cr3t"})",
        R"({"Version": 1, "AccessKeyId": 12, "SecretAccessKey": ["s3cr3t"]})",
        R"({"Version": 1.5, "AccessKeyId": "AKIAX", "SecretAccessKey": "s3cr3t"})"}) {
    SCOPED_TRACE(json);
    auto credentials = run_credential_process(printing(scratch, json));
    ASSERT_FALSE(credentials.ok());
    EXPECT_EQ(credentials.error().category, ErrorCategory::kAuth);
    EXPECT_NE(credentials.error().message.find("print-credentials"), std::string::npos)
        << credentials.error().message;
    EXPECT_EQ(credentials.error().message.find("s3cr3t"), std::string::npos)
        << credentials.error().message;
  }
  // An Expiration that is not a string is ignored, as one that does not parse.
  auto lasting = run_credential_process(printing(
      scratch,
      R"({"Version": 1, "AccessKeyId": "AKIAX", "SecretAccessKey": "s", "Expiration": 5})"));
  ASSERT_TRUE(lasting.ok()) << lasting.error().message;
  EXPECT_FALSE(lasting->expiration.has_value());
}

}  // namespace
}  // namespace imgsync::s3
