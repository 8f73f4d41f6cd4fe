// credential_process credentials renew themselves shortly before they expire; a failing process
// keeps credentials that still work and is an auth error once they have expired.
#include "s3/credential_refresh.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace imgsync::s3 {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

class CredentialRefreshTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_);
    // Prints a new key each run (the run count in the key), valid until the given time; exits
    // 1 when the "fail" file exists.
    script_ = dir_ / "process.sh";
    std::ofstream(script_) << "#!/bin/sh\n"
                              "[ -e \"$0.fail\" ] && exit 1\n"
                              "n=$(($(cat \"$0.count\" 2>/dev/null || echo 0) + 1))\n"
                              "echo $n > \"$0.count\"\n"
                              "printf '{\"Version\":1,\"AccessKeyId\":\"AKIA%s\","
                              "\"SecretAccessKey\":\"secret\",\"SessionToken\":\"t\","
                              "\"Expiration\":\"2099-01-01T00:00:00Z\"}' $n\n";
    std::filesystem::permissions(script_, std::filesystem::perms::owner_all);
    settings_.credential_process = script_.string();
    settings_.credentials.access_key_id = "AKIA0";
    settings_.credentials.secret_access_key = "old";
    settings_.credentials.source = "credential_process of profile p";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  int runs() const {
    std::ifstream in(script_.string() + ".count");
    int count = 0;
    in >> count;
    return count;
  }

  std::filesystem::path dir_ =
      std::filesystem::temp_directory_path() / ("imgsync-refresh-" + std::to_string(getpid()));
  std::filesystem::path script_;
  S3Settings settings_;
};

TEST_F(CredentialRefreshTest, RenewedWithinTheMarginOnly) {
  const auto now = Clock::now();
  settings_.credentials.expiration = now + 1h;
  EXPECT_FALSE(credentials_expiring(settings_, now));
  ASSERT_TRUE(refresh_expiring_credentials(settings_, now).ok());
  EXPECT_EQ(runs(), 0);
  EXPECT_EQ(settings_.credentials.access_key_id, "AKIA0");

  settings_.credentials.expiration = now + 2min;
  EXPECT_TRUE(credentials_expiring(settings_, now));
  ASSERT_TRUE(refresh_expiring_credentials(settings_, now).ok());
  EXPECT_EQ(runs(), 1);
  EXPECT_EQ(settings_.credentials.access_key_id, "AKIA1");
  EXPECT_EQ(settings_.credentials.session_token, "t");
  EXPECT_EQ(settings_.credentials.source, "credential_process of profile p");
  ASSERT_TRUE(settings_.credentials.expiration.has_value());
  EXPECT_FALSE(credentials_expiring(settings_, now)) << "the new ones last until 2099";
  // The server said they expired: renewed whatever their expiration says.
  ASSERT_TRUE(refresh_expiring_credentials(settings_, now, true).ok());
  EXPECT_EQ(settings_.credentials.access_key_id, "AKIA2");
}

TEST_F(CredentialRefreshTest, OtherCredentialsAreLeftAlone) {
  settings_.credential_process.clear();
  settings_.credentials.expiration = Clock::now() - 1min;
  EXPECT_FALSE(credentials_expiring(settings_, Clock::now()));
  ASSERT_TRUE(refresh_expiring_credentials(settings_, Clock::now(), true).ok());
  EXPECT_EQ(settings_.credentials.access_key_id, "AKIA0");
  EXPECT_EQ(runs(), 0);
}

TEST_F(CredentialRefreshTest, AFailingProcessKeepsWorkingCredentialsUntilTheyExpire) {
  std::ofstream(script_.string() + ".fail") << "";
  const auto now = Clock::now();
  settings_.credentials.expiration = now + 1min;
  EXPECT_TRUE(refresh_expiring_credentials(settings_, now).ok());
  EXPECT_EQ(settings_.credentials.access_key_id, "AKIA0");
  auto expired = refresh_expiring_credentials(settings_, now + 2min);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().category, ErrorCategory::kAuth);
  EXPECT_EQ(expired.error().message.find("old"), std::string::npos) << "no secret";
}

}  // namespace
}  // namespace imgsync::s3
