// `imgsync watch` with temporary credentials from a profile's credential_process: the daemon runs
// the process again as they near their expiration, by itself (no SIGHUP), and keeps uploading.
#include <gtest/gtest.h>

#include <filesystem>

#include "imgsync_cli_fixture.h"

namespace imgsync::testing {
namespace {

class WatchCredentialsTest : public ImgsyncCliTest {
 protected:
  ScratchDir scratch_{"imgsync-watch-credentials"};
};

TEST_F(WatchCredentialsTest, ExpiringCredentialProcessIsRunAgainWithoutSighup) {
  const auto script = scratch_.path() / "credentials.sh";
  const auto count = scratch_.path() / "runs";
  // The test server's keys, each time said to expire a minute from now: always within the
  // renewal margin, so every request needs them renewed.
  write_file(script,
             "#!/bin/sh\n"
             "echo run >> '" +
                 count.string() +
                 "'\n"
                 "printf '{\"Version\":1,\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"%s\","
                 "\"Expiration\":\"%s\"}' '" +
                 server().access_key + "' '" + server().secret_key +
                 "' \"$(date -u -d '+60 seconds' +%Y-%m-%dT%H:%M:%SZ)\"\n");
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  write_file(home_.path() / ".aws" / "config",
             "[profile temporary]\ncredential_process = " + script.string() + "\n");
  const auto photos = scratch_.path() / "photos";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(source_dir() / "samples")) {
    if (entry.path().extension() != ".jpg" || files == 3) continue;
    write_file(photos / entry.path().filename(), read_file(entry.path()));
    ++files;
  }
  auto environment = imgsync_env();
  environment.erase("AWS_ACCESS_KEY_ID");
  environment.erase("AWS_SECRET_ACCESS_KEY");
  environment["AWS_PROFILE"] = "temporary";
  auto unset = unset_env();
  unset.erase(std::remove(unset.begin(), unset.end(), "AWS_PROFILE"), unset.end());
  unset.push_back("AWS_ACCESS_KEY_ID");
  unset.push_back("AWS_SECRET_ACCESS_KEY");
  auto watched =
      run_process(imgsync_binary(),
                  {"watch", photos.string(), "--to", "s3://" + bucket() + "/w", "--state-dir",
                   (scratch_.path() / "state").string(), "--once", "--json", "--settle", "0.3"},
                  environment, unset);
  ASSERT_EQ(watched.exit_code, 0) << watched.err;
  auto listed = client().list_all_objects(bucket(), "w/metadata/");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 3u);
  // Once to start, then again for the requests that followed: renewed by the daemon itself.
  const std::string runs = read_file(count);
  EXPECT_GT(std::count(runs.begin(), runs.end(), '\n'), 3) << runs;
  EXPECT_EQ(watched.err.find(server().secret_key), std::string::npos);
  EXPECT_EQ(watched.out.find(server().secret_key), std::string::npos);
}

}  // namespace
}  // namespace imgsync::testing
