// Getting into the shared PostgreSQL catalog, and saying clearly why not: a catalog URL that
// carries a password is refused by every command (flag or imgsync.toml) without echoing it; a
// wrong password from the environment is refused by a server with password authentication and
// never shown; `imgsync doctor` checks the catalog (reachable, PostGIS, schema, writable),
// against real PostgreSQL servers on loopback, one of them stopped.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>

#include "catalog/pg_item_index.h"
#include "imgsync_cli_fixture.h"
#include "support/http_get.h"
#include "support/pg_server.h"

namespace imgsync::testing {
namespace {

// The servers: the environments pg_catalog_test.cpp registers for this binary.
constexpr const char* kSecret = "Hunter2Secret";

class PgCatalogAccessTest : public ImgsyncCliTest {
 protected:
  std::string destination() const { return "s3://" + bucket() + "/" + unique_collection(); }
  std::string state_dir() const { return (scratch_.path() / "state").string(); }
  std::string photos() const { return (scratch_.path() / "photos").string(); }
  // Where serve would listen, were it not refused first.
  static std::string listen() { return "127.0.0.1:" + std::to_string(free_loopback_port()); }
  void SetUp() override {
    ImgsyncCliTest::SetUp();
    std::filesystem::create_directories(photos());
  }

  // Every command that reads or writes the index, with `extra` (a catalog) appended.
  std::vector<std::vector<std::string>> commands_with(const std::vector<std::string>& extra) {
    const std::vector<std::string> where = {"--to", destination(), "--state-dir", state_dir()};
    std::vector<std::vector<std::string>> commands = {
        {"sync", photos()},   {"watch", photos()},
        {"search"},           {"serve", "--listen", listen()},
        {"index", "pull"},    {"index", "publish"},
        {"index", "rebuild"}, {"doctor"},
    };
    for (auto& command : commands) {
      command.insert(command.end(), where.begin(), where.end());
      command.insert(command.end(), extra.begin(), extra.end());
    }
    return commands;
  }

  // {check name: the JSON line} of `imgsync doctor --json`; the run in `last_`.
  std::map<std::string, nlohmann::json> doctor(const std::string& url,
                                               std::map<std::string, std::string> extra = {}) {
    last_ = imgsync(
        {"doctor", "--to", destination(), "--state-dir", state_dir(), "--catalog", url, "--json"},
        std::move(extra));
    std::map<std::string, nlohmann::json> checks;
    for (auto& line : json_lines(last_.out)) checks[line.at("check")] = line;
    return checks;
  }
  static std::string status_of(const std::map<std::string, nlohmann::json>& checks,
                               const std::string& name) {
    return checks.contains(name) ? checks.at(name).at("status").get<std::string>() : "missing";
  }
  static std::string text_of(const std::map<std::string, nlohmann::json>& checks,
                             const std::string& name, const char* field) {
    return checks.contains(name) ? checks.at(name).at(field).get<std::string>() : "";
  }

  // Runs SQL on `url` as its (trusted) owner.
  static void run_sql(const std::string& url, const std::string& sql) {
    auto connection = catalog::PgConnection::connect({.url = url, .password = ""});
    ASSERT_TRUE(connection.ok()) << connection.error().message;
    Status done = connection->execute(sql);
    ASSERT_TRUE(done.ok()) << done.error().message;
  }
  // `url` with its database (and user) replaced.
  static std::string on_database(const std::string& url, const std::string& database,
                                 const std::string& user = "imgsync") {
    const auto at = url.find('@');
    const auto slash = url.rfind('/');
    return "postgresql://" + user + url.substr(at, slash - at) + "/" + database;
  }

  ProcessResult last_;
  ScratchDir scratch_{"imgsync-pg-access"};
};

TEST_F(PgCatalogAccessTest, AUrlWithAPasswordIsRefusedByEveryCommand) {
  const std::string port =
      PgServerEnvironment::info().url.substr(PgServerEnvironment::info().url.rfind(':') + 1);
  for (const std::string& url :
       {fmt::format("postgresql://imgsync:{}@127.0.0.1:{}", kSecret, port),
        fmt::format("postgres://127.0.0.1/imgsync?user=imgsync&password={}", kSecret)}) {
    for (const auto& command : commands_with({"--catalog", url})) {
      const auto run = imgsync(command);
      const std::string said = run.out + run.err;
      EXPECT_EQ(run.exit_code, 2) << command[0] << " " << command[1] << ": " << said;
      EXPECT_EQ(said.find(kSecret), std::string::npos) << command[0] << ": " << said;
      EXPECT_NE(said.find("holds a password"), std::string::npos) << command[0] << ": " << said;
    }
  }
  const auto migrate =
      imgsync({"index", "migrate", "--to", destination(), "--state-dir", state_dir(),
               "--to-catalog", fmt::format("postgresql://imgsync:{}@127.0.0.1/x", kSecret)});
  EXPECT_EQ(migrate.exit_code, 2) << migrate.err;
  EXPECT_EQ((migrate.out + migrate.err).find(kSecret), std::string::npos) << migrate.err;

  // The same URL in imgsync.toml: refused where the file is read, the line named.
  const auto file = scratch_.path() / "imgsync.toml";
  std::ofstream(file) << fmt::format(
      "destination = \"{}\"\nstate_dir = \"state\"\n[catalog]\nurl = "
      "\"postgresql://imgsync:{}@127.0.0.1:{}/imgsync\"\n",
      destination(), kSecret, port);
  for (const std::vector<std::string>& command : {std::vector<std::string>{"sync", photos()},
                                                  {"watch", photos()},
                                                  {"search"},
                                                  {"serve", "--listen", listen()},
                                                  {"index", "pull"},
                                                  {"doctor"}}) {
    auto arguments = command;
    arguments.insert(arguments.end(), {"--config", file.string()});
    const auto run = imgsync(arguments);
    const std::string said = run.out + run.err;
    EXPECT_EQ(run.exit_code, 2) << command[0] << ": " << said;
    EXPECT_EQ(said.find(kSecret), std::string::npos) << command[0] << ": " << said;
    EXPECT_NE(said.find("catalog.url"), std::string::npos) << command[0] << ": " << said;
    EXPECT_NE(said.find("holds a password"), std::string::npos) << command[0] << ": " << said;
  }
}

// A server that checks passwords: the right one from the environment gets in, a wrong one from
// PGPASSWORD or $IMGSYNC_CATALOG_PASSWORD is refused with a message that says what to set, and
// neither password appears in any output or log.
TEST_F(PgCatalogAccessTest, AWrongPasswordIsRefusedAndNeverShown) {
  const std::string right = "Right-Pw-7f3a";
  OwnPgServer database(right);
  ASSERT_EQ(database.failure(), "");
  const std::string url = database.info().url;
  const auto log = scratch_.path() / "imgsync.log";
  for (const char* variable : {"PGPASSWORD", "IMGSYNC_CATALOG_PASSWORD"}) {
    const std::map<std::string, std::string> wrong = {{variable, kSecret}};
    const auto search = imgsync(
        {"search", "--to", destination(), "--state-dir", state_dir(), "--catalog", url}, wrong);
    EXPECT_EQ(search.exit_code, 3) << variable << ": " << search.err;
    EXPECT_NE(search.err.find("password authentication failed"), std::string::npos) << search.err;
    EXPECT_NE(search.err.find("PGPASSWORD"), std::string::npos) << "the fix: " << search.err;

    std::ofstream(photos() + "/a.jpg") << "not really a JPEG";
    const auto sync = imgsync({"--log-file", log.string(), "sync", photos(), "--to", destination(),
                               "--state-dir", state_dir(), "--no-thumbnails", "--catalog", url},
                              wrong);
    EXPECT_NE(sync.err.find("password authentication failed"), std::string::npos) << sync.err;

    const auto migrate = imgsync({"index", "migrate", "--to", destination(), "--state-dir",
                                  state_dir(), "--to-catalog", url},
                                 wrong);
    EXPECT_EQ(migrate.exit_code, 3) << migrate.err;

    const auto checks = doctor(url, wrong);
    EXPECT_EQ(last_.exit_code, 3) << last_.out;
    EXPECT_EQ(status_of(checks, "catalog"), "fail") << last_.out;
    EXPECT_NE(text_of(checks, "catalog", "fix").find("PGPASSWORD"), std::string::npos);
    EXPECT_FALSE(checks.contains("postgis")) << "nothing more to check without a connection";

    for (const auto& run : {search, sync, migrate, last_}) {
      EXPECT_EQ((run.out + run.err).find(kSecret), std::string::npos) << run.out << run.err;
      EXPECT_EQ((run.out + run.err).find(right), std::string::npos) << run.out << run.err;
    }
    ASSERT_TRUE(std::filesystem::exists(log));
    EXPECT_EQ(read_file(log).find(kSecret), std::string::npos) << read_file(log);
  }
  const auto search =
      imgsync({"search", "--to", destination(), "--state-dir", state_dir(), "--catalog", url},
              {{"PGPASSWORD", right}});
  EXPECT_EQ(search.exit_code, 0) << search.err;
  const auto checks = doctor(url, {{"IMGSYNC_CATALOG_PASSWORD", right}});
  for (const char* name : {"catalog", "postgis", "catalog schema", "catalog write"}) {
    EXPECT_EQ(status_of(checks, name), "ok") << name << ": " << last_.out;
  }
  EXPECT_EQ(last_.out.find(right), std::string::npos) << last_.out;
}

TEST_F(PgCatalogAccessTest, DoctorChecksTheSharedCatalog) {
  ASSERT_EQ(imgsync({"init", "--to", destination()}).exit_code, 0);
  auto checks = doctor(PgServerEnvironment::info().url);
  EXPECT_EQ(last_.exit_code, 0) << last_.out << last_.err;
  for (const char* name : {"catalog", "postgis", "catalog schema", "catalog write"}) {
    EXPECT_EQ(status_of(checks, name), "ok") << name << ": " << last_.out;
    EXPECT_EQ(text_of(checks, name, "fix"), "") << name << ": " << last_.out;
  }
  // The human form names the catalog checks too.
  const auto text = imgsync({"doctor", "--to", destination(), "--state-dir", state_dir(),
                             "--catalog", PgServerEnvironment::info().url});
  EXPECT_NE(text.out.find("ok    catalog write"), std::string::npos) << text.out;
}

TEST_F(PgCatalogAccessTest, DoctorNamesWhatIsWrongWithTheCatalog) {
  OwnPgServer database;
  ASSERT_EQ(database.failure(), "");
  const std::string url = database.info().url;
  // A catalog set up by a newer imgsync.
  run_sql(url, "CREATE DATABASE newer");
  run_sql(on_database(url, "newer"), "CREATE EXTENSION postgis");
  ASSERT_TRUE(catalog::PgItemIndex::open(
                  {.target = {.url = on_database(url, "newer"), .password = ""}, .collection = "c"})
                  .ok());
  run_sql(on_database(url, "newer"), "UPDATE imgsync.schema_version SET version = 99");
  auto checks = doctor(on_database(url, "newer"));
  EXPECT_EQ(last_.exit_code, 3) << last_.out;
  EXPECT_EQ(status_of(checks, "catalog schema"), "fail") << last_.out;
  EXPECT_NE(text_of(checks, "catalog schema", "detail").find("version 99"), std::string::npos);
  EXPECT_NE(text_of(checks, "catalog schema", "fix").find("upgrade imgsync"), std::string::npos);

  // A role that may only read, on a database without PostGIS and one with imgsync's schema.
  run_sql(url, "CREATE DATABASE bare");
  run_sql(url, "CREATE ROLE analyst LOGIN");
  run_sql(on_database(url, "newer"),
          fmt::format("UPDATE imgsync.schema_version SET version = {}; GRANT USAGE ON SCHEMA "
                      "imgsync TO analyst; GRANT SELECT ON ALL TABLES IN SCHEMA imgsync TO analyst",
                      catalog::kPgSchemaVersion));
  checks = doctor(on_database(url, "bare", "analyst"));
  EXPECT_EQ(last_.exit_code, 3) << last_.out;
  EXPECT_EQ(status_of(checks, "catalog"), "ok") << last_.out;
  EXPECT_EQ(status_of(checks, "postgis"), "fail") << last_.out;
  EXPECT_NE(text_of(checks, "postgis", "fix").find("CREATE EXTENSION postgis"), std::string::npos);
  EXPECT_EQ(status_of(checks, "catalog write"), "fail") << last_.out;
  EXPECT_NE(text_of(checks, "catalog write", "detail").find("may not create"), std::string::npos)
      << last_.out;
  checks = doctor(on_database(url, "newer", "analyst"));
  EXPECT_EQ(status_of(checks, "catalog schema"), "ok") << last_.out;
  EXPECT_EQ(status_of(checks, "catalog write"), "fail") << last_.out;
  EXPECT_NE(text_of(checks, "catalog write", "detail").find("permission denied"), std::string::npos)
      << last_.out;
  EXPECT_NE(text_of(checks, "catalog write", "fix").find("GRANT"), std::string::npos);

  // The server stopped: one failed check that says to start it, and nothing after it.
  ASSERT_TRUE(database.halt());
  checks = doctor(url);
  EXPECT_EQ(last_.exit_code, 3) << last_.out;
  EXPECT_EQ(status_of(checks, "catalog"), "fail") << last_.out;
  EXPECT_NE(text_of(checks, "catalog", "detail").find("cannot connect"), std::string::npos);
  EXPECT_NE(text_of(checks, "catalog", "fix").find("start the PostgreSQL server"),
            std::string::npos);
  EXPECT_FALSE(checks.contains("catalog schema")) << last_.out;
}

}  // namespace
}  // namespace imgsync::testing
