// A real PostgreSQL 15 + PostGIS 3 server (scripts/pg-server) for the shared catalog's tests.
// Under ctest, one server serves every case: the pg_server_start test starts it and names it in
// $IMGSYNC_TEST_PG_SERVER (a file holding the line `pg-server start` printed), pg_server_stop
// stops it. A binary run by hand starts one of its own on a free loopback port before the first
// test and stops it after the last (the script's watchdog stops it if the binary dies). Tests
// keep apart by writing to a collection of their own (unique_collection()). A test that stops
// the server (an outage) asks for a server of its own: PgServerEnvironment::own_server().
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

namespace imgsync::testing {

struct PgServerInfo {
  std::string url;  // postgresql://imgsync@127.0.0.1:PORT/imgsync (trust authentication)
  std::filesystem::path directory;
};

// A server this process started: stopped (and its files removed) by the destructor.
class OwnPgServer {
 public:
  // Empty `failure` when it runs. With a password, TCP connections need it (scram-sha-256).
  explicit OwnPgServer(const std::string& password = "");
  ~OwnPgServer();
  OwnPgServer(const OwnPgServer&) = delete;
  OwnPgServer& operator=(const OwnPgServer&) = delete;
  const PgServerInfo& info() const { return info_; }
  const std::string& failure() const { return failure_; }
  // An outage: the server stops (its data stays) and later starts again on the same port.
  bool halt();
  bool restart();

 private:
  PgServerInfo info_;
  std::string failure_;
};

// Register once per binary: ::testing::AddGlobalTestEnvironment(new PgServerEnvironment).
class PgServerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;
  static const PgServerInfo& info();  // valid between SetUp and TearDown
};

// A collection name no other test uses ("t_<suite>_<test>_<pid>").
std::string unique_collection();

}  // namespace imgsync::testing
