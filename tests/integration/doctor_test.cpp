// `imgsync doctor` against the real server: all ok after `imgsync init`; each broken set-up
// fails on the right line, names its fix, and exits as docs/errors.md says. (The inotify limit and
// low disk space, which a test cannot set on the machine: tests/cli/doctor_local_test.cpp.)
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "imgsync_cli_fixture.h"

namespace imgsync::testing {
namespace {

class DoctorTest : public ImgsyncCliTest {
 protected:
  std::string destination() const { return "s3://" + bucket() + "/field"; }

  // {check name: the JSON line}; the exit code in `exit_code_`.
  std::map<std::string, nlohmann::json> doctor(std::vector<std::string> arguments,
                                               std::map<std::string, std::string> extra = {}) {
    arguments.insert(arguments.begin(), "doctor");
    arguments.push_back("--json");
    last_ = imgsync(arguments, std::move(extra));
    std::map<std::string, nlohmann::json> checks;
    for (auto& line : json_lines(last_.out)) checks[line.at("check")] = line;
    return checks;
  }
  std::vector<std::string> local_flags() const {
    return {"--state-dir", (scratch_.path() / "state").string(),
            (scratch_.path() / "photos").string()};
  }
  void SetUp() override {
    ImgsyncCliTest::SetUp();
    std::filesystem::create_directories(scratch_.path() / "photos" / "2026" / "05");
  }
  // A loopback port nobody listens on.
  static int closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
  }

  ProcessResult last_;
  ScratchDir scratch_{"imgsync-doctor"};
};

TEST_F(DoctorTest, AllOkAfterInit) {
  ASSERT_EQ(imgsync({"init", "--to", destination()}).exit_code, 0);
  auto arguments = local_flags();
  arguments.insert(arguments.end(), {"--to", destination()});
  const auto checks = doctor(arguments);
  EXPECT_EQ(last_.exit_code, 0) << last_.out << last_.err;
  for (const char* name : {"credentials", "endpoint", "clock", "bucket", "versioning", "lifecycle",
                           "public access", "probe", "state", "inotify"}) {
    ASSERT_TRUE(checks.contains(name)) << name << " missing:\n" << last_.out;
    EXPECT_EQ(checks.at(name).at("status"), "ok") << checks.at(name).dump();
    EXPECT_EQ(checks.at(name).at("fix"), "") << checks.at(name).dump();
  }
  EXPECT_NE(checks.at("credentials").at("detail").get<std::string>().find(server().access_key),
            std::string::npos);
  EXPECT_NE(checks.at("credentials").at("detail").get<std::string>().find("environment"),
            std::string::npos)
      << "where the credentials came from";
  // The probe cleaned up after itself.
  auto left = client().list_all_objects(bucket(), "field/.imgsync-doctor/");
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty());
  // The human form: one line per check, the status first.
  auto text = imgsync(
      {"doctor", "--to", destination(), "--state-dir", (scratch_.path() / "state").string()});
  EXPECT_EQ(text.exit_code, 0) << text.out;
  EXPECT_NE(text.out.find("ok    probe"), std::string::npos) << text.out;
}

TEST_F(DoctorTest, WrongSecretFailsOnCredentialsWithoutShowingIt) {
  auto arguments = local_flags();
  arguments.insert(arguments.end(), {"--to", destination()});
  const auto checks = doctor(arguments, {{"AWS_SECRET_ACCESS_KEY", "not-the-secret-at-all"}});
  EXPECT_EQ(last_.exit_code, 3) << last_.out;
  ASSERT_TRUE(checks.contains("credentials")) << last_.out;
  // The first line says where the key came from; the server's answer fails it.
  std::string fix;
  for (auto& line : json_lines(last_.out)) {
    if (line.at("check") == "credentials" && line.at("status") == "fail") fix = line.at("fix");
  }
  EXPECT_NE(fix.find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << last_.out;
  EXPECT_EQ(last_.out.find("not-the-secret-at-all"), std::string::npos);
  EXPECT_EQ(last_.err.find("not-the-secret-at-all"), std::string::npos);
  EXPECT_FALSE(checks.contains("probe")) << "nothing further is tried with keys that do not work";
  EXPECT_EQ(checks.at("state").at("status"), "ok") << "the local checks still run";
}

TEST_F(DoctorTest, MissingBucketNamesInit) {
  const std::string missing = "s3://" + bucket() + "-missing/field";
  auto arguments = local_flags();
  arguments.insert(arguments.end(), {"--to", missing});
  const auto checks = doctor(arguments);
  EXPECT_EQ(last_.exit_code, 3) << last_.out;
  ASSERT_TRUE(checks.contains("bucket")) << last_.out;
  EXPECT_EQ(checks.at("bucket").at("status"), "fail");
  EXPECT_NE(checks.at("bucket").at("detail").get<std::string>().find("does not exist"),
            std::string::npos);
  EXPECT_NE(checks.at("bucket").at("fix").get<std::string>().find("imgsync init --to " + missing),
            std::string::npos)
      << checks.at("bucket").dump();
}

TEST_F(DoctorTest, UnreachableEndpointNamesTheEndpointSetting) {
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(closed_port());
  auto arguments = local_flags();
  arguments.insert(arguments.end(), {"--to", destination()});
  const auto checks = doctor(arguments, {{"AWS_ENDPOINT_URL", endpoint}});
  EXPECT_EQ(last_.exit_code, 3) << last_.out;
  ASSERT_TRUE(checks.contains("endpoint")) << last_.out;
  EXPECT_EQ(checks.at("endpoint").at("status"), "fail");
  EXPECT_NE(checks.at("endpoint").at("detail").get<std::string>().find(endpoint),
            std::string::npos);
  EXPECT_NE(checks.at("endpoint").at("fix").get<std::string>().find("--endpoint-url"),
            std::string::npos);
  EXPECT_FALSE(checks.contains("bucket"));
}

TEST_F(DoctorTest, UnwritableStateDirFailsLocallyWithExitOne) {
  ASSERT_EQ(imgsync({"init", "--to", destination()}).exit_code, 0);
  write_file(scratch_.path() / "a-file", "x");
  const auto checks = doctor(
      {"--to", destination(), "--state-dir", (scratch_.path() / "a-file" / "state").string()});
  EXPECT_EQ(last_.exit_code, 1) << last_.out;
  ASSERT_TRUE(checks.contains("state")) << last_.out;
  EXPECT_EQ(checks.at("state").at("status"), "fail");
  EXPECT_NE(checks.at("state").at("fix").get<std::string>().find("--state-dir"), std::string::npos);
  EXPECT_EQ(checks.at("probe").at("status"), "ok");
}

TEST_F(DoctorTest, NamesTheProcessUsingTheJournal) {
  const auto photos = scratch_.path() / "photos";
  const auto state = scratch_.path() / "state";
  ChildProcess daemon(imgsync_binary(),
                      {"watch", photos.string(), "--to", destination(), "--state-dir",
                       state.string(), "--json", "--settle", "0.2"},
                      imgsync_env(), unset_env());
  write_file(photos / "one.jpg", read_file(source_dir() / "samples" / "DSCN0042.jpg"));
  bool uploaded = false;  // by then the daemon has its journal open
  while (auto line = daemon.read_line(std::chrono::seconds(60))) {
    if (nlohmann::json::parse(*line).value("event", "") == "uploaded") {
      uploaded = true;
      break;
    }
  }
  ASSERT_TRUE(uploaded);
  const auto checks = doctor({"--to", destination(), "--state-dir", state.string()});
  ASSERT_TRUE(checks.contains("state")) << last_.out;
  const std::string detail = checks.at("state").at("detail");
  EXPECT_NE(detail.find("in use by pid"), std::string::npos) << detail;
  EXPECT_NE(detail.find("imgsync watch"), std::string::npos) << detail;
  daemon.send_signal(SIGTERM);
  EXPECT_EQ(daemon.wait(), 0);
  const auto after = doctor({"--to", destination(), "--state-dir", state.string()});
  EXPECT_NE(after.at("state").at("detail").get<std::string>().find("no other imgsync"),
            std::string::npos)
      << after.at("state").dump();
}

TEST_F(DoctorTest, WithoutADestinationSaysHowToGiveOne) {
  const auto checks = doctor({"--state-dir", (scratch_.path() / "state").string()});
  EXPECT_EQ(last_.exit_code, 0) << last_.out;
  ASSERT_TRUE(checks.contains("bucket")) << last_.out;
  EXPECT_EQ(checks.at("bucket").at("status"), "warn");
  EXPECT_NE(checks.at("bucket").at("fix").get<std::string>().find("--to s3://"), std::string::npos);
}

}  // namespace
}  // namespace imgsync::testing
