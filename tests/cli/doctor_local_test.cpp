// The doctor's local checks with the limits a test can set: a state directory that cannot be
// created, a low inotify watch limit. (The checks against a real server: tests/integration/
// doctor_test.cpp.)
#include <gtest/gtest.h>

#include "app/doctor_service.h"
#include "support/test_paths.h"

namespace imgsync::app {
namespace {

using imgsync::testing::ScratchDir;
using imgsync::testing::write_file;

TEST(DoctorLocal, StateDirBelowAFileFailsAndNamesTheFlag) {
  ScratchDir scratch("imgsync-doctor");
  write_file(scratch.path() / "file", "not a directory");
  const auto check = check_state_dir(scratch.path() / "file" / "state", 0);
  EXPECT_EQ(check.status, CheckStatus::kFail);
  EXPECT_EQ(check.area, CheckArea::kLocal);
  EXPECT_NE(check.detail.find("not a directory"), std::string::npos) << check.detail;
  EXPECT_NE(check.fix.find("--state-dir"), std::string::npos) << check.fix;
}

TEST(DoctorLocal, WritableStateDirIsOkAndLowSpaceWarns) {
  ScratchDir scratch("imgsync-doctor");
  const auto fine = check_state_dir(scratch.path() / "new" / "state", 0);
  EXPECT_EQ(fine.status, CheckStatus::kOk) << fine.detail;
  EXPECT_NE(fine.detail.find("will be created"), std::string::npos) << fine.detail;
  const auto low = check_state_dir(scratch.path(), ~0ULL);  // no disk has that much free
  EXPECT_EQ(low.status, CheckStatus::kWarn);
  EXPECT_NE(low.detail.find("free"), std::string::npos) << low.detail;
  EXPECT_FALSE(low.fix.empty());
}

class DoctorInotify : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* folder : {"a/b", "a/c", "d"}) {
      std::filesystem::create_directories(scratch_.path() / "photos" / folder);
    }
  }
  DoctorCheck check_with_limit(const std::string& limit) {
    write_file(scratch_.path() / "max_user_watches", limit + "\n");
    return check_inotify({scratch_.path() / "photos"}, scratch_.path() / "max_user_watches");
  }
  ScratchDir scratch_{"imgsync-doctor-inotify"};
};

TEST_F(DoctorInotify, LowLimitFailsWithTheSysctlFix) {
  const auto check = check_with_limit("3");  // photos, a, a/b, a/c, d: 5 folders
  EXPECT_EQ(check.status, CheckStatus::kFail);
  EXPECT_NE(check.detail.find("5 folders"), std::string::npos) << check.detail;
  EXPECT_NE(check.fix.find("sysctl fs.inotify.max_user_watches="), std::string::npos) << check.fix;
}

TEST_F(DoctorInotify, NearTheLimitWarnsAndFarBelowIsOk) {
  EXPECT_EQ(check_with_limit("8").status, CheckStatus::kWarn);
  const auto fine = check_with_limit("524288");
  EXPECT_EQ(fine.status, CheckStatus::kOk) << fine.detail;
  EXPECT_TRUE(fine.fix.empty());
}

TEST_F(DoctorInotify, MissingFolderFails) {
  write_file(scratch_.path() / "max_user_watches", "100\n");
  const auto check =
      check_inotify({scratch_.path() / "nowhere"}, scratch_.path() / "max_user_watches");
  EXPECT_EQ(check.status, CheckStatus::kFail);
  EXPECT_NE(check.detail.find("not a folder"), std::string::npos) << check.detail;
}

}  // namespace
}  // namespace imgsync::app
