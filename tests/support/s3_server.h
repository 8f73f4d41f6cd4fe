// A real S3 server (Ceph RGW via scripts/s3-server) for integration tests. Under ctest, one
// server serves every case: a setup test starts it and names it in $IMGSYNC_TEST_S3_SERVER (a
// file holding the line `s3-server start` printed), a cleanup test stops it. A binary run by
// hand starts one of its own on free loopback ports before the first test and stops it after the
// last (the script's watchdog stops it if the binary dies). Each test gets a fresh bucket. A test
// that stops the gateway (an outage) would take it from every case running beside it: it is
// registered with own_server_for() and gets a server of its own.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "config/aws_settings.h"
#include "s3/s3_client.h"

namespace imgsync::testing {

struct S3ServerInfo {
  std::string endpoint;  // http://127.0.0.1:PORT
  std::string host;      // 127.0.0.1:PORT
  std::string access_key;
  std::string secret_key;
  std::string tls_host;             // 127.0.0.1:PORT of the HTTPS endpoint
  std::filesystem::path ca_bundle;  // its self-signed certificate
  std::filesystem::path directory;
};

// Register once per binary: ::testing::AddGlobalTestEnvironment(new S3ServerEnvironment).
class S3ServerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;
  static const S3ServerInfo& info();  // valid between SetUp and TearDown
  // Switches to a server started for this process (no-op when it already has one).
  static void use_own_server();
};

// Registers a test ("Suite.Name") that needs a server of its own; returns true (for a
// namespace-scope constant beside the test).
bool own_server_for(const std::string& test_name);

// Settings that point at the test server with its keys, path-style.
s3::S3Settings test_server_settings();

// Base fixture: a client for the test server and a fresh, empty bucket named after the test.
class S3IntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override;
  s3::S3Client& client() { return *client_; }
  const std::string& bucket() const { return bucket_; }
  const S3ServerInfo& server() const { return S3ServerEnvironment::info(); }

 private:
  std::unique_ptr<s3::S3Client> client_;
  std::string bucket_;
};

}  // namespace imgsync::testing
