// The e-mail notifier's message (RFC 5322 headers, CRLF, no header injection from file names)
// and its failures (bounded, logged by host, never with the password).
#include "notify/email_notifier.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "notify/notifier.h"
#include "support/http_get.h"

namespace imgsync::notify {
namespace {

config::NotifierConfig email_config() {
  config::NotifierConfig notifier;
  notifier.type = config::NotifierType::kEmail;
  notifier.smtp_url = "smtp://127.0.0.1:25";
  notifier.starttls = false;
  notifier.from = "imgsync@field.example";
  notifier.to = {"ops@example.com", "me@example.com"};
  return notifier;
}

RunSummary failed_run() {
  RunSummary summary;
  summary.destination = "s3://b/p";
  summary.uploaded = 7;
  summary.failed = 3;
  summary.first_errors = {"/data/a.jpg: unreadable", "/data/evil\r\nBcc: x@y.z.jpg: bad"};
  return summary;
}

// Headers up to the blank line, and the body after it.
std::pair<std::string, std::string> split(const std::string& message) {
  const auto blank = message.find("\r\n\r\n");
  EXPECT_NE(blank, std::string::npos);
  return {message.substr(0, blank + 2), message.substr(blank + 4)};
}

TEST(EmailNotifier, SubjectSaysWhatHappened) {
  RunSummary summary = failed_run();
  EXPECT_EQ(email_subject(summary), "imgsync: 3 files failed uploading to s3://b/p");
  summary.failed = 1;
  EXPECT_EQ(email_subject(summary), "imgsync: 1 file failed uploading to s3://b/p");
  summary.failed = 0;
  EXPECT_EQ(email_subject(summary), "imgsync: 7 files uploaded to s3://b/p");
  summary.event = RunEvent::kResumed;
  EXPECT_EQ(email_subject(summary), "imgsync: uploads to s3://b/p resumed");
  summary.event = RunEvent::kDestinationUnusable;
  EXPECT_NE(email_subject(summary).find("paused"), std::string::npos);
  summary.pending = 12;
  EXPECT_EQ(email_subject(summary),
            "imgsync: uploads to s3://b/p paused, the destination is unusable (12 files pending, "
            "nothing lost)");
}

TEST(EmailNotifier, MessageHasTheHeadersAndCountsWithCrlfOnly) {
  const auto when = std::chrono::system_clock::time_point(std::chrono::seconds(1780000000));
  const std::string message = format_email(email_config(), failed_run(), when, "<1.ab@field>");
  auto [headers, body] = split(message);
  EXPECT_NE(headers.find("Date: Thu, 28 May 2026 20:26:40 +0000\r\n"), std::string::npos)
      << headers;
  EXPECT_NE(headers.find("From: imgsync@field.example\r\n"), std::string::npos);
  EXPECT_NE(headers.find("To: ops@example.com, me@example.com\r\n"), std::string::npos);
  EXPECT_NE(headers.find("Message-ID: <1.ab@field>\r\n"), std::string::npos);
  EXPECT_NE(headers.find("Subject: imgsync: 3 files failed uploading to s3://b/p\r\n"),
            std::string::npos);
  EXPECT_NE(headers.find("Content-Type: text/plain; charset=utf-8\r\n"), std::string::npos);
  EXPECT_NE(body.find("Uploaded: 7\r\nFailed: 3\r\n"), std::string::npos) << body;
  EXPECT_NE(body.find("- /data/a.jpg: unreadable\r\n"), std::string::npos);
  // A file name with a line break cannot add a header or a line of its own.
  EXPECT_EQ(message.find("\r\nBcc:"), std::string::npos);
  EXPECT_NE(body.find("- /data/evil  Bcc: x@y.z.jpg: bad\r\n"), std::string::npos);
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\n') {
      ASSERT_TRUE(i > 0 && message[i - 1] == '\r') << "bare LF at " << i;
    }
    if (message[i] == '\r') {
      ASSERT_EQ(message[i + 1], '\n') << "bare CR at " << i;
    }
  }
}

TEST(EmailNotifier, NonAsciiSubjectIsEncoded) {
  RunSummary summary = failed_run();
  summary.destination = "s3://b/Zürich";
  const std::string message = format_email(email_config(), summary, {}, "<x@y>");
  EXPECT_NE(message.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(message.find("Destination: s3://b/Zürich\r\n"), std::string::npos);
}

TEST(EmailNotifier, UnreachableServerIsABoundedErrorNamingTheHostNotThePassword) {
  const std::string host = "127.0.0.1:" + std::to_string(testing::free_loopback_port());
  auto notifier = email_config();
  notifier.smtp_url = "smtp://" + host;
  notifier.username = "imgsync";
  notifier.password_env = "IMGSYNC_TEST_SMTP_PASSWORD";
  setenv("IMGSYNC_TEST_SMTP_PASSWORD", "hunter2-secret", 1);
  Status sent = send_email(notifier, failed_run());  // refused at once: nothing listens there
  ASSERT_FALSE(sent.ok());
  EXPECT_NE(sent.error().message.find("e-mail to " + host + " failed"), std::string::npos)
      << sent.error().message;
  EXPECT_EQ(sent.error().message.find("hunter2"), std::string::npos);
  unsetenv("IMGSYNC_TEST_SMTP_PASSWORD");
}

TEST(EmailNotifier, MissingPasswordVariableIsNamed) {
  auto notifier = email_config();
  notifier.username = "imgsync";
  notifier.password_env = "IMGSYNC_TEST_UNSET_VARIABLE";
  unsetenv("IMGSYNC_TEST_UNSET_VARIABLE");
  Status sent = send_email(notifier, failed_run());
  ASSERT_FALSE(sent.ok());
  EXPECT_NE(sent.error().message.find("IMGSYNC_TEST_UNSET_VARIABLE, which is not set"),
            std::string::npos)
      << sent.error().message;
}

TEST(EmailNotifier, LogsShowOnlyTheHostOfAUrl) {
  EXPECT_EQ(host_of_url("smtp://mail.example.com:587"), "mail.example.com:587");
  EXPECT_EQ(host_of_url("https://user:pw@hooks.example/T0K3N?x=1"), "hooks.example");
}

}  // namespace
}  // namespace imgsync::notify
