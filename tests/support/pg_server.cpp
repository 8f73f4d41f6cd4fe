#include "support/pg_server.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>

#include "support/run_process.h"
#include "support/test_paths.h"

namespace imgsync::testing {
namespace {

std::optional<PgServerInfo> g_shared;  // from $IMGSYNC_TEST_PG_SERVER
std::unique_ptr<OwnPgServer> g_own;

std::string script() {
  return (source_dir() / "scripts" / "pg-server").string();
}

std::optional<std::string> url_in(const std::string& output) {
  std::smatch match;
  static const std::regex line(R"(url=(postgresql://\S+))");
  if (!std::regex_search(output, match, line)) return std::nullopt;
  return match[1].str();
}

}  // namespace

OwnPgServer::OwnPgServer(const std::string& password) {
  static int counter = 0;
  info_.directory = std::filesystem::temp_directory_path() /
                    ("imgsync-pg-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
  std::vector<std::string> arguments = {"start", info_.directory.string(), "--watch-pid",
                                        std::to_string(::getpid())};
  if (!password.empty()) {
    // Beside the server's directory (start creates that), removed with it by the destructor.
    const auto file = info_.directory.string() + ".password";
    std::ofstream(file) << password;
    arguments.insert(arguments.end(), {"--password-file", file});
  }
  // A port chosen free may be taken by a server starting at the same moment: three tries.
  for (int attempt = 1; attempt <= 3; ++attempt) {
    const auto started = run_process(script(), arguments);
    auto url = url_in(started.out);
    if (started.exit_code == 0 && url) {
      info_.url = *url;
      return;
    }
    failure_ += "attempt " + std::to_string(attempt) + ": " + started.err + "\n";
    (void)run_process(script(), {"stop", info_.directory.string()});
    std::error_code ignored;
    std::filesystem::remove_all(info_.directory, ignored);
  }
  failure_ =
      "the PostgreSQL test server did not start; are postgresql-15 and "
      "postgresql-15-postgis-3 installed (scripts/setup)?\n" +
      failure_;
}

OwnPgServer::~OwnPgServer() {
  (void)run_process(script(), {"stop", info_.directory.string()});
  std::error_code ignored;
  std::filesystem::remove_all(info_.directory, ignored);
  std::filesystem::remove(info_.directory.string() + ".password", ignored);
}

bool OwnPgServer::halt() {
  auto run = run_process(script(), {"halt", info_.directory.string()});
  if (run.exit_code != 0) std::cerr << "pg-server halt failed: " << run.err << "\n";
  return run.exit_code == 0;
}

bool OwnPgServer::restart() {
  auto run = run_process(script(), {"restart", info_.directory.string()});
  if (run.exit_code != 0) std::cerr << "pg-server restart failed: " << run.err << "\n";
  return run.exit_code == 0;
}

void PgServerEnvironment::SetUp() {
  if (const char* shared = std::getenv("IMGSYNC_TEST_PG_SERVER"); shared && *shared) {
    std::ifstream in(shared);
    const std::string line((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto url = url_in(line);
    if (!url) FAIL() << "IMGSYNC_TEST_PG_SERVER=" << shared << " names no running server";
    g_shared = PgServerInfo{.url = *url, .directory = {}};
    return;
  }
  g_own = std::make_unique<OwnPgServer>();
  if (!g_own->failure().empty()) FAIL() << g_own->failure();
}

void PgServerEnvironment::TearDown() {
  g_own.reset();
  g_shared.reset();
}

const PgServerInfo& PgServerEnvironment::info() {
  if (g_shared) return *g_shared;
  if (g_own && g_own->failure().empty()) return g_own->info();
  throw std::runtime_error("the PostgreSQL test server is not running");
}

std::string unique_collection() {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string("t_") + test->test_suite_name() + "_" + test->name() + "_" +
                     std::to_string(::getpid());
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return name;
}

}  // namespace imgsync::testing
