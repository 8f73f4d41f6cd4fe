// The exec notifier's environment: the run's details in, the credentials out.
#include "notify/notifier.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace imgsync::notify {
namespace {

bool has_name(const std::vector<std::string>& environment, const std::string& name) {
  return std::any_of(environment.begin(), environment.end(), [&](const std::string& variable) {
    return variable.rfind(name + "=", 0) == 0;
  });
}

config::NotifierConfig email_reading(const std::string& password_env) {
  config::NotifierConfig notifier;
  notifier.type = config::NotifierType::kEmail;
  notifier.password_env = password_env;
  return notifier;
}

config::NotifierConfig exec_of(std::vector<std::string> command) {
  config::NotifierConfig notifier;
  notifier.type = config::NotifierType::kExec;
  notifier.command = std::move(command);
  notifier.always = true;
  return notifier;
}

TEST(ExecEnvironment, CredentialsAndPasswordVariablesAreRemoved) {
  const std::vector<std::string> parent = {
      "PATH=/usr/bin",
      "AWS_ACCESS_KEY_ID=AKIAEXAMPLE",
      "AWS_SECRET_ACCESS_KEY=s3cr3t",
      "AWS_SESSION_TOKEN=t0k3n",
      "AWS_SECURITY_TOKEN=old-t0k3n",
      "AWS_CONTAINER_AUTHORIZATION_TOKEN=c0nt41ner",
      "AWS_REGION=eu-central-1",
      "AWS_PROFILE=field",
      "IMGSYNC_SMTP_PASSWORD=m41l",
      "OTHER_MAIL_PASS=m41l2",
      "IMGSYNC_EVENT=stale",
      "HOME=/home/field",
  };
  RunSummary summary{.event = RunEvent::kSyncFinished,
                     .destination = "s3://b/p",
                     .uploaded = 3,
                     .failed = 1,
                     .first_errors = {"a.jpg: broken"}};
  const auto environment =
      exec_environment(parent,
                       {email_reading("IMGSYNC_SMTP_PASSWORD"), email_reading("OTHER_MAIL_PASS"),
                        exec_of({"/bin/true"})},
                       summary);
  for (const char* gone :
       {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN", "IMGSYNC_SMTP_PASSWORD", "OTHER_MAIL_PASS"}) {
    EXPECT_FALSE(has_name(environment, gone)) << gone;
  }
  for (const char* kept : {"PATH", "AWS_REGION", "AWS_PROFILE", "HOME"}) {
    EXPECT_TRUE(has_name(environment, kept)) << kept;
  }
  std::string joined;
  for (const auto& variable : environment) joined += variable + "\n";
  for (const char* secret : {"AKIAEXAMPLE", "s3cr3t", "t0k3n", "c0nt41ner", "m41l", "stale"}) {
    EXPECT_EQ(joined.find(secret), std::string::npos) << secret;
  }
  EXPECT_NE(joined.find("IMGSYNC_EVENT=sync_finished\n"), std::string::npos);
  EXPECT_NE(joined.find("IMGSYNC_FAILED=1\n"), std::string::npos);
  EXPECT_NE(joined.find("IMGSYNC_FIRST_ERROR=a.jpg: broken\n"), std::string::npos);
}

TEST(ExecEnvironment, TheProgramRunsWithoutTheSecrets) {
  const auto out =
      std::filesystem::temp_directory_path() / ("imgsync-exec-env-" + std::to_string(getpid()));
  ASSERT_EQ(setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-in-parent", 1), 0);
  ASSERT_EQ(setenv("IMGSYNC_TEST_MAIL_PASSWORD", "m41l-in-parent", 1), 0);
  // The e-mail notifier is not sent (a run without failures); its password still stays out.
  RunSummary summary;
  summary.uploaded = 1;
  notify_run({email_reading("IMGSYNC_TEST_MAIL_PASSWORD"),
              exec_of({"/bin/sh", "-c", "env > \"$0\"", out.string()})},
             summary);
  std::ifstream file(out);
  std::stringstream seen;
  seen << file.rdbuf();
  std::filesystem::remove(out);
  unsetenv("AWS_SECRET_ACCESS_KEY");
  unsetenv("IMGSYNC_TEST_MAIL_PASSWORD");
  EXPECT_NE(seen.str().find("IMGSYNC_UPLOADED=1"), std::string::npos) << seen.str();
  EXPECT_NE(seen.str().find("PATH="), std::string::npos) << "the rest of the environment stays";
  EXPECT_EQ(seen.str().find("s3cr3t-in-parent"), std::string::npos);
  EXPECT_EQ(seen.str().find("m41l-in-parent"), std::string::npos);
}

}  // namespace
}  // namespace imgsync::notify
