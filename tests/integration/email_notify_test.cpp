// The e-mail notifier against a real SMTP receiver on loopback (tests/support/smtp_receiver.py,
// aiosmtpd): one message per sync run with the counts and the first error, sent with SMTP AUTH
// whose password never shows; the recovery message when a paused watch queue resumes; and a
// dead or silent SMTP server that costs one log line and a bounded wait, nothing else.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <sstream>
#include <thread>

#include "imgsync_cli_fixture.h"
#include "support/http_get.h"

namespace imgsync::testing {
namespace {

using namespace std::chrono_literals;

// The receiver runs as a child process; messages land in a folder, one file each.
class SmtpReceiver {
 public:
  SmtpReceiver(const std::filesystem::path& folder, const std::string& user = "",
               const std::string& password = "")
      : folder_(folder) {
    std::filesystem::create_directories(folder);
    std::vector<std::string> arguments{(source_dir() / "tests/support/smtp_receiver.py").string(),
                                       folder.string()};
    if (!user.empty()) arguments.insert(arguments.end(), {user, password});
    process_ = std::make_unique<ChildProcess>("/usr/bin/python3", arguments,
                                              std::map<std::string, std::string>{});
    auto line = process_->read_line(30s);
    port_ = line ? std::stoi(*line) : -1;
  }
  int port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  // The messages received so far, oldest first.
  std::vector<std::string> messages() const {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(folder_)) {
      if (entry.path().extension() == ".eml") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<std::string> texts;
    for (const auto& file : files) texts.push_back(read_file(file));
    return texts;
  }
  // Waits (up to `limit`) until at least `count` messages arrived; the messages.
  std::vector<std::string> await_messages(std::size_t count,
                                          std::chrono::seconds limit = 90s) const {
    auto texts = messages();
    for (auto polls = limit / 100ms; texts.size() < count && polls > 0; --polls) {
      std::this_thread::sleep_for(100ms);  // polling the folder: the observable condition
      texts = messages();
    }
    return texts;
  }

 private:
  std::filesystem::path folder_;
  std::unique_ptr<ChildProcess> process_;
  int port_ = -1;
};

std::string email_notifier(const std::string& url, const std::string& extra = "") {
  return "[[notify]]\ntype = \"email\"\nsmtp_url = \"" + url +
         "\"\nstarttls = false\nfrom = \"imgsync@field.example\"\nto = [\"ops@example.com\", "
         "\"me@example.com\"]\n" +
         extra;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class EmailNotifyTest : public ImgsyncCliTest {
 protected:
  std::filesystem::path photos() const { return scratch_.path() / "photos"; }
  std::filesystem::path config_file() const { return scratch_.path() / "imgsync.toml"; }
  void write_config(const std::string& notifiers, const std::string& extra = "") {
    write_file(config_file(), "destination = \"s3://" + bucket() +
                                  "/n\"\nstate_dir = \"state\"\n[[source]]\npath = \"photos\"\n" +
                                  extra + notifiers);
  }
  std::string sample(int salt) const {
    return read_file(source_dir() / "samples" / "DSCN0010.jpg") + "salt-" + std::to_string(salt);
  }
  ScratchDir scratch_{"imgsync-email"};
};

TEST_F(EmailNotifyTest, SyncWithAFailureSendsExactlyOneMailWithCountsAndFirstError) {
  IMGSYNC_REQUIRE_CORPUS();
  SmtpReceiver receiver(scratch_.path() / "mail", "imgsync", "s3cret-smtp-pw");
  ASSERT_GT(receiver.port(), 0);
  write_file(photos() / "good.jpg", sample(1));
  // A file that can never be read (a FIFO named like an image): the run's one failure.
  ASSERT_EQ(mkfifo((photos() / "damaged.crw").c_str(), 0644), 0);
  write_config(email_notifier(receiver.url(),
                              "username = \"imgsync\"\npassword_env = "
                              "\"IMGSYNC_SMTP_PASSWORD\"\n"));
  auto run = imgsync({"sync", "--config", config_file().string(), "-vv"},
                     {{"IMGSYNC_SMTP_PASSWORD", "s3cret-smtp-pw"}});
  EXPECT_EQ(run.exit_code, 1) << run.err;  // the unreadable file

  auto messages = receiver.messages();  // the run waited for the server's answer
  ASSERT_EQ(messages.size(), 1u) << run.err;
  const std::string& mail = messages[0];
  EXPECT_TRUE(contains(mail, "X-Auth-Login: imgsync\r\n")) << mail;
  EXPECT_TRUE(contains(mail, "X-Envelope-To: ops@example.com, me@example.com\r\n")) << mail;
  EXPECT_TRUE(contains(mail, "X-Envelope-From: imgsync@field.example\r\n"));
  EXPECT_TRUE(
      contains(mail, "Subject: imgsync: 1 file failed uploading to s3://" + bucket() + "/n\r\n"))
      << mail;
  EXPECT_TRUE(contains(mail, "\r\nDate: "));
  EXPECT_TRUE(contains(mail, "\r\nMessage-ID: <"));
  EXPECT_TRUE(contains(mail, "Uploaded: 1\r\nFailed: 1\r\n"));
  EXPECT_TRUE(contains(mail, "damaged.crw: ")) << mail;
  // Not in the log, even at -vv.
  EXPECT_FALSE(contains(run.err, "s3cret-smtp-pw"));
  EXPECT_FALSE(contains(run.err, "notify_failed")) << run.err;

  // The same run with a wrong password: refused, one log line, the password still unseen.
  std::filesystem::remove(photos() / "damaged.crw");
  write_file(photos() / "second.jpg", sample(2));
  write_config(email_notifier(receiver.url(),
                              "username = \"imgsync\"\npassword_env = "
                              "\"IMGSYNC_SMTP_PASSWORD\"\nwhen = \"always\"\n"));
  auto refused = imgsync({"sync", "--config", config_file().string()},
                         {{"IMGSYNC_SMTP_PASSWORD", "wrong-password-here"}});
  EXPECT_EQ(refused.exit_code, 0) << refused.err;
  EXPECT_TRUE(
      contains(refused.err, "e-mail to 127.0.0.1:" + std::to_string(receiver.port()) + " failed"))
      << refused.err;
  EXPECT_FALSE(contains(refused.err, "wrong-password-here"));
  EXPECT_EQ(receiver.messages().size(), 1u);
}

TEST_F(EmailNotifyTest, DeadAndSilentSmtpServersCostOneLineEachAndABoundedWait) {
  // One port refuses connections; the other accepts them into its backlog and never speaks.
  const int refused_port = free_loopback_port();
  SilentListener silent;
  ASSERT_GT(silent.port(), 0);
  const int silent_port = silent.port();
  for (int i = 0; i < 3; ++i)
    write_file(photos() / ("ok_" + std::to_string(i) + ".jpg"), sample(i));
  write_config(
      email_notifier("smtp://127.0.0.1:" + std::to_string(refused_port), "when = \"always\"\n") +
      email_notifier("smtp://127.0.0.1:" + std::to_string(silent_port), "when = \"always\"\n"));
  auto run = imgsync({"sync", "--config", config_file().string(), "--json"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(summary_of(run.out)["uploaded"], 3);
  auto listed = client().list_all_objects(bucket(), "n/enhanced/");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 3u);
  // One line per failing notifier, naming the server by host:port.
  const auto lines_with = [&run](const std::string& part) {
    int count = 0;
    std::istringstream lines(run.err);
    for (std::string line; std::getline(lines, line);) count += contains(line, part) ? 1 : 0;
    return count;
  };
  EXPECT_EQ(lines_with("e-mail to 127.0.0.1:" + std::to_string(refused_port) + " failed"), 1)
      << run.err;
  EXPECT_EQ(lines_with("e-mail to 127.0.0.1:" + std::to_string(silent_port) + " failed"), 1)
      << run.err;
  EXPECT_EQ(lines_with("notify_failed"), 2) << run.err;
  // The silent server is given up on by the notifier's time limit (the run returned at all, and
  // its line says it timed out), not waited for forever.
  const std::string silent_line = "e-mail to 127.0.0.1:" + std::to_string(silent_port) + " failed";
  std::istringstream lines(run.err);
  for (std::string line; std::getline(lines, line);) {
    if (contains(line, silent_line)) {
      EXPECT_TRUE(contains(line, "timed out") || contains(line, "Timeout")) << line;
    }
  }
}

// Stops the gateway: on a server of its own, not the one other cases share.
const bool kMailCaseHasItsOwnServer =
    own_server_for("EmailNotifyTest.PausedWatchQueueMailsOnceWhenPausedAndOnceWhenItResumes");

TEST_F(EmailNotifyTest, PausedWatchQueueMailsOnceWhenPausedAndOnceWhenItResumes) {
  SmtpReceiver receiver(scratch_.path() / "mail");
  ASSERT_GT(receiver.port(), 0);
  std::filesystem::create_directories(photos());
  write_config(email_notifier(receiver.url()), "[watch]\nsettle = 0.3\n");
  auto environment = imgsync_env();
  environment["AWS_MAX_ATTEMPTS"] = "2";  // the outage outlasts the retries: the queue pauses
  ChildProcess daemon(imgsync_binary(), {"watch", "--config", config_file().string(), "--json"},
                      environment, unset_env());
  const auto await_upload = [&daemon]() {
    while (auto line = daemon.read_line(120s)) {
      if (nlohmann::json::parse(*line).value("event", "") == "uploaded") return true;
    }
    return false;
  };
  write_file(photos() / "before.jpg", sample(10));
  ASSERT_TRUE(await_upload());
  const std::string script = (source_dir() / "scripts/s3-server").string();
  ASSERT_EQ(
      std::system(("'" + script + "' gateway-stop '" + server().directory.string() + "'").c_str()),
      0);
  write_file(photos() / "during.jpg", sample(11));
  auto paused = receiver.await_messages(1);
  ASSERT_EQ(paused.size(), 1u);
  EXPECT_TRUE(contains(paused[0], "Subject: imgsync: uploads to s3://" + bucket() +
                                      "/n paused, the destination is unusable"))
      << paused[0];
  ASSERT_EQ(
      std::system(("'" + script + "' gateway-start '" + server().directory.string() + "'").c_str()),
      0);
  EXPECT_TRUE(await_upload());
  auto both = receiver.await_messages(2);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_TRUE(contains(both[1], "Subject: imgsync: uploads to s3://" + bucket() + "/n resumed\r\n"))
      << both[1];
  daemon.send_signal(SIGTERM);
  EXPECT_EQ(daemon.wait(), 0);
  EXPECT_EQ(receiver.messages().size(), 2u);  // nothing per failed request or file
}

}  // namespace
}  // namespace imgsync::testing
