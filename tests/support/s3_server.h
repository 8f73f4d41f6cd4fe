// A real S3 server (Ceph RGW via scripts/s3-server) for integration tests: one per test binary,
// started on free loopback ports before the first test, stopped after the last (and by the
// script's watchdog if the binary dies). Each test gets a fresh bucket.
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
};

// Settings that point at the test server with its keys, path-style.
config::S3Settings test_server_settings();

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
