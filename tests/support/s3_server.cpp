#include "support/s3_server.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <regex>
#include <set>

#include "support/test_paths.h"

namespace imgsync::testing {
namespace {

std::optional<S3ServerInfo> g_server;
bool g_server_is_ours = false;  // started by this process (stopped by TearDown)

std::set<std::string>& own_server_tests() {
  static std::set<std::string> names;
  return names;
}

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

// The server from the line `s3-server start` prints; nullopt when the line is not there.
std::optional<S3ServerInfo> parse_server_line(const std::string& output,
                                              const std::filesystem::path& directory) {
  std::smatch match;
  const std::regex line(
      R"(endpoint=http://(\S+) access_key=(\S+) secret_key=(\S+) tls_endpoint=https://(\S+) ca_bundle=(\S+))");
  if (!std::regex_search(output, match, line)) return std::nullopt;
  return S3ServerInfo{.endpoint = "http://" + match[1].str(),
                      .host = match[1].str(),
                      .access_key = match[2].str(),
                      .secret_key = match[3].str(),
                      .tls_host = match[4].str(),
                      .ca_bundle = match[5].str(),
                      .directory = directory};
}

// Starts a server for this process; the error text when it did not start. Ports are chosen free
// but may be taken by another server starting at the same moment (ctest -j, other builds on
// the machine): a start that failed is tried again, twice at most.
std::string start_own_server() {
  const auto directory =
      std::filesystem::temp_directory_path() / ("imgsync-s3-" + std::to_string(::getpid()));
  const std::string script = (source_dir() / "scripts" / "s3-server").string();
  std::string failures;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    int exit_code = 0;
    const std::string output =
        run_and_capture(script + " start " + directory.string() + " --watch-pid " +
                            std::to_string(::getpid()) + " 2>&1",
                        exit_code);
    auto server = parse_server_line(output, directory);
    if (exit_code == 0 && server) {
      g_server = std::move(*server);
      g_server_is_ours = true;
      return "";
    }
    failures += "attempt " + std::to_string(attempt) + " (exit " + std::to_string(exit_code) +
                "):\n" + output;
    int ignored = 0;
    run_and_capture(script + " stop " + directory.string() + " 2>&1", ignored);
    std::error_code error;
    std::filesystem::remove_all(directory, error);
  }
  return "the S3 test server did not start; is Ceph installed (scripts/setup)?\n" + failures;
}

}  // namespace

void S3ServerEnvironment::SetUp() {
  if (const char* shared = std::getenv("IMGSYNC_TEST_S3_SERVER"); shared && *shared) {
    const std::filesystem::path line_file(shared);
    std::ifstream in(line_file);
    const std::string line((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // The server's directory: the file's name without ".line" (see tests/CMakeLists.txt).
    g_server = parse_server_line(line, line_file.parent_path() / line_file.stem());
    if (!g_server) FAIL() << "IMGSYNC_TEST_S3_SERVER=" << shared << " names no running server";
    return;
  }
  const std::string failed = start_own_server();
  if (!failed.empty()) FAIL() << failed;
}

void S3ServerEnvironment::use_own_server() {
  if (g_server_is_ours) return;
  const std::string failed = start_own_server();
  if (!failed.empty()) FAIL() << failed;
}

bool own_server_for(const std::string& test_name) {
  own_server_tests().insert(test_name);
  return true;
}

void S3ServerEnvironment::TearDown() {
  if (!g_server || !g_server_is_ours) {
    g_server.reset();
    return;
  }
  int exit_code = 0;
  run_and_capture((source_dir() / "scripts" / "s3-server").string() + " stop " +
                      g_server->directory.string() + " 2>&1",
                  exit_code);
  std::error_code ignored;
  std::filesystem::remove_all(g_server->directory, ignored);
  g_server.reset();
  g_server_is_ours = false;
}

const S3ServerInfo& S3ServerEnvironment::info() {
  if (!g_server) throw std::runtime_error("the S3 test server is not running");
  return *g_server;
}

s3::S3Settings test_server_settings() {
  const S3ServerInfo& server = S3ServerEnvironment::info();
  s3::S3Settings settings;
  settings.credentials.access_key_id = server.access_key;
  settings.credentials.secret_access_key = server.secret_key;
  settings.credentials.source = "test server";
  settings.region = "us-east-1";
  settings.endpoint_scheme = "http";
  settings.endpoint_host = server.host;
  settings.custom_endpoint = true;
  settings.addressing_style = s3::AddressingStyle::kPath;
  return settings;
}

void S3IntegrationTest::SetUp() {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  if (own_server_tests().count(std::string(test->test_suite_name()) + "." + test->name())) {
    S3ServerEnvironment::use_own_server();
  }
  ASSERT_NO_THROW(S3ServerEnvironment::info());
  client_ = std::make_unique<s3::S3Client>(test_server_settings());
  // Bucket names: lowercase test name plus a random tail, within the 63-character limit.
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
