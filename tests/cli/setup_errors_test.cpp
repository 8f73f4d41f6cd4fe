// What a user can do to a command before it gets to work, and what it answers: a clear error
// and the exit code of docs/errors.md, never an exception reaching std::terminate or the
// catch-all of cli_main ("unexpected failure"). No server is needed: every case ends before the
// first request.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/run_process.h"
#include "support/test_paths.h"

namespace imgsync::cli {
namespace {

using imgsync::testing::imgsync_binary;
using imgsync::testing::ProcessResult;
using imgsync::testing::run_process;
using imgsync::testing::ScratchDir;
using imgsync::testing::write_file;

ProcessResult imgsync_without_server(const std::vector<std::string>& arguments) {
  return run_process(imgsync_binary(), arguments,
                     {{"AWS_ACCESS_KEY_ID", "AKIDSETUPTEST"},
                      {"AWS_SECRET_ACCESS_KEY", "setup-test-secret"},
                      {"AWS_ENDPOINT_URL", "http://127.0.0.1:9"},
                      {"AWS_REGION", "us-east-1"}},
                     {"AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"});
}

// On stderr, or on stdout for doctor, whose report is its output.
void expect_clear_error(const ProcessResult& result, int exit_code, const std::string& says) {
  const std::string said = result.err + result.out;
  EXPECT_EQ(result.exit_code, exit_code) << said;
  EXPECT_NE(said.find(says), std::string::npos) << said;
  EXPECT_EQ(said.find("unexpected failure"), std::string::npos) << said;
}

// Started in a folder that was deleted under it (getcwd fails): std::filesystem::current_path
// and absolute() throw there. A usage problem: 2, saying what to do.
TEST(SetupErrors, AWorkingFolderDeletedUnderTheCommandIsAUsageError) {
  const std::filesystem::path back = std::filesystem::current_path();
  ScratchDir scratch("imgsync-setup");
  const auto state = scratch.path() / "state";
  const auto gone = scratch.path() / "gone";
  std::filesystem::create_directories(gone);
  ASSERT_EQ(::chdir(gone.c_str()), 0);
  std::filesystem::remove(gone);
  const std::vector<std::vector<std::string>> commands = {
      {"sync", "photos", "--to", "s3://bucket/p", "--state-dir", state.string()},
      {"status", "--to", "s3://bucket/p", "--state-dir", state.string()},
      {"enqueue", "IMG_1.jpg", "--to", "s3://bucket/p", "--state-dir", state.string()},
      {"doctor", "photos"},
  };
  std::vector<ProcessResult> results;
  for (const auto& arguments : commands) results.push_back(imgsync_without_server(arguments));
  ASSERT_EQ(::chdir(back.c_str()), 0);
  for (std::size_t i = 0; i < commands.size(); ++i) {
    SCOPED_TRACE(commands[i].front());
    expect_clear_error(results[i], 2, "the current folder cannot be read");
  }
}

// A state directory below a regular file cannot be made: the journal cannot open, a local
// failure (1, docs/errors.md's journal rows), named with its path.
TEST(SetupErrors, AStateDirectoryThatCannotBeCreatedIsNamed) {
  ScratchDir scratch("imgsync-setup");
  write_file(scratch.path() / "file", "not a folder");
  std::filesystem::create_directories(scratch.path() / "photos");
  const std::string state = (scratch.path() / "file" / "state").string();
  const std::string photos = (scratch.path() / "photos").string();
  for (const std::vector<std::string>& arguments :
       {std::vector<std::string>{"sync", photos, "--to", "s3://bucket/p", "--state-dir", state},
        {"status", "--to", "s3://bucket/p", "--state-dir", state},
        {"verify", "--to", "s3://bucket/p", "--state-dir", state},
        {"watch", photos, "--to", "s3://bucket/p", "--state-dir", state}}) {
    SCOPED_TRACE(arguments.front());
    expect_clear_error(imgsync_without_server(arguments), 1,
                       "cannot create the state directory " + state);
  }
}

// verify --deep downloads into STATE/verify; a file in its place is named, not thrown.
TEST(SetupErrors, VerifyDeepNamesTheDownloadFolderItCannotMake) {
  ScratchDir scratch("imgsync-setup");
  const auto state = scratch.path() / "state";
  write_file(state / "verify", "a file where the folder goes");
  const ProcessResult result = imgsync_without_server(
      {"verify", "--deep", "--to", "s3://bucket/p", "--state-dir", state.string()});
  expect_clear_error(result, 1, "cannot create " + (state / "verify").string());
}

}  // namespace
}  // namespace imgsync::cli
