#include "support/s3_server.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <random>
#include <regex>

#include "support/test_paths.h"

namespace imgsync::testing {
namespace {

std::optional<S3ServerInfo> g_server;

std::string run_and_capture(const std::string& command, int& exit_code) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    exit_code = -1;
    return output;
  }
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  const int status = ::pclose(pipe);
  exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

}  // namespace

void S3ServerEnvironment::SetUp() {
  const auto directory =
      std::filesystem::temp_directory_path() / ("imgsync-s3-" + std::to_string(::getpid()));
  const std::string command = (source_dir() / "scripts" / "s3-server").string() + " start " +
                              directory.string() + " --watch-pid " + std::to_string(::getpid()) +
                              " 2>&1";
  int exit_code = 0;
  const std::string output = run_and_capture(command, exit_code);
  std::smatch match;
  const std::regex line(
      R"(endpoint=http://(\S+) access_key=(\S+) secret_key=(\S+) tls_endpoint=https://(\S+) ca_bundle=(\S+))");
  if (exit_code != 0 || !std::regex_search(output, match, line)) {
    FAIL() << "the S3 test server did not start (exit " << exit_code
           << "); is Ceph installed (scripts/setup)?\n"
           << output;
  }
  g_server = S3ServerInfo{"http://" + match[1].str(),
                          match[1].str(),
                          match[2].str(),
                          match[3].str(),
                          match[4].str(),
                          match[5].str(),
                          directory};
}

void S3ServerEnvironment::TearDown() {
  if (!g_server) return;
  int exit_code = 0;
  run_and_capture((source_dir() / "scripts" / "s3-server").string() + " stop " +
                      g_server->directory.string() + " 2>&1",
                  exit_code);
  std::error_code ignored;
  std::filesystem::remove_all(g_server->directory, ignored);
  g_server.reset();
}

const S3ServerInfo& S3ServerEnvironment::info() {
  if (!g_server) throw std::runtime_error("the S3 test server is not running");
  return *g_server;
}

config::S3Settings test_server_settings() {
  const S3ServerInfo& server = S3ServerEnvironment::info();
  config::S3Settings settings;
  settings.credentials.access_key_id = server.access_key;
  settings.credentials.secret_access_key = server.secret_key;
  settings.credentials.source = "test server";
  settings.region = "us-east-1";
  settings.endpoint_scheme = "http";
  settings.endpoint_host = server.host;
  settings.custom_endpoint = true;
  settings.addressing_style = config::AddressingStyle::kPath;
  return settings;
}

void S3IntegrationTest::SetUp() {
  ASSERT_NO_THROW(S3ServerEnvironment::info());
  client_ = std::make_unique<s3::S3Client>(test_server_settings());
  // Bucket names: lowercase test name plus a random tail, within the 63-character limit.
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name;
  for (char c : std::string(test->name())) {
    if (std::isalnum(static_cast<unsigned char>(c))) name += static_cast<char>(std::tolower(c));
    if (name.size() >= 40) break;
  }
  std::random_device random;
  bucket_ = "t-" + name + "-" + std::to_string(random() % 1000000);
  const Status created = client_->create_bucket(bucket_);
  ASSERT_TRUE(created.ok()) << created.error().describe();
}

}  // namespace imgsync::testing
