// [[notify]] end to end: a webhook and a Slack-style hook received by a local HTTP receiver on
// loopback, an exec hook reading its IMGSYNC_* variables, and a failing notifier that changes
// nothing about the run.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "imgsync_cli_fixture.h"
#include "support/http_receiver.h"

namespace imgsync::testing {
namespace {

class NotifyTest : public ImgsyncCliTest {
 protected:
  ScratchDir scratch_{"imgsync-notify"};
};

TEST_F(NotifyTest, OneMessagePerRunToEveryNotifierAndAFailingOneChangesNothing) {
  IMGSYNC_REQUIRE_CORPUS();
  HttpReceiver receiver;
  const auto photos = scratch_.path() / "photos";
  write_file(photos / "good.jpg", read_file(source_dir() / "samples" / "DSCN0010.jpg"));
  // A file that can never be read (a FIFO named like an image): the run's one failure.
  ASSERT_EQ(mkfifo((photos / "damaged.crw").c_str(), 0644), 0);
  const auto hook = scratch_.path() / "hook.sh";
  write_file(hook, "#!/bin/sh\nenv | grep '^IMGSYNC_' | sort > \"$1\"\n");
  chmod(hook.c_str(), 0755);
  write_file(
      scratch_.path() / "imgsync.toml",
      "destination = \"s3://" + bucket() +
          "/n\"\nstate_dir = \"state\"\n"
          "[[source]]\npath = \"photos\"\n"
          "[[notify]]\ntype = \"webhook\"\nurl = \"" +
          receiver.url() +
          "\"\n"
          "[[notify]]\ntype = \"slack\"\nurl = \"" +
          receiver.url() +
          "\"\n"
          "[[notify]]\ntype = \"exec\"\ncommand = [\"" +
          hook.string() + "\", \"" + (scratch_.path() / "hook.out").string() +
          "\"]\n"
          "[[notify]]\ntype = \"webhook\"\nwhen = \"always\"\nurl = \"http://127.0.0.1:9/down\"\n");
  auto run = imgsync({"sync", "--config", (scratch_.path() / "imgsync.toml").string()});
  EXPECT_EQ(run.exit_code, 1) << run.err;  // the unreadable file, not the unreachable notifier

  auto bodies = receiver.wait_for_bodies(2, std::chrono::seconds(30));
  ASSERT_EQ(bodies.size(), 2u);
  auto webhook = nlohmann::json::parse(bodies[0]);
  EXPECT_EQ(webhook["event"], "sync_finished");
  EXPECT_EQ(webhook["uploaded"], 1);
  EXPECT_EQ(webhook["failed"], 1);
  ASSERT_EQ(webhook["first_errors"].size(), 1u);
  EXPECT_NE(webhook["first_errors"][0].get<std::string>().find("damaged.crw"), std::string::npos);
  auto slack = nlohmann::json::parse(bodies[1]);
  EXPECT_NE(slack["text"].get<std::string>().find("1 uploaded, 1 failed"), std::string::npos);

  const std::string hook_out = read_file(scratch_.path() / "hook.out");
  EXPECT_NE(hook_out.find("IMGSYNC_FAILED=1"), std::string::npos) << hook_out;
  EXPECT_NE(hook_out.find("IMGSYNC_UPLOADED=1"), std::string::npos);
  EXPECT_NE(hook_out.find("IMGSYNC_DESTINATION=s3://" + bucket() + "/n"), std::string::npos);

  // The unreachable notifier is logged by host only: its URL's path (a token) never shows.
  EXPECT_NE(run.err.find("webhook to 127.0.0.1:9 failed"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("SECRET-TOKEN"), std::string::npos);

  // A clean run wakes only the "always" notifier, whose failure still leaves exit 0.
  std::filesystem::remove(photos / "damaged.crw");
  auto clean = imgsync({"retry", "--config", (scratch_.path() / "imgsync.toml").string()});
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
}

}  // namespace
}  // namespace imgsync::testing
