// What the unit tests of the sync's upload step share: a journal in a temporary folder, an
// AppConfig for s3://b/p and an S3Client on a scripted FakeHttpEngine (tests/s3), so NameClaims
// and ItemPublisher are tested without a server (the integration tests run them on Ceph RGW).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "catalog/journal_store.h"
#include "config/app_config.h"
#include "s3/fake_http_engine.h"
#include "s3/s3_client.h"
#include "support/test_paths.h"

namespace imgsync::app::testing {

using s3::testing::FakeHttpEngine;

using s3::testing::answer;

class PublishStepTest : public ::testing::Test {
 protected:
  PublishStepTest() {
    auto opened = catalog::JournalStore::open(dir_.path(), "endpoint|b|p");
    EXPECT_TRUE(opened.ok());
    journal_.emplace(std::move(*opened));
    config_.destination = config::S3Uri{"b", "p"};
    config_.thumbnails.enabled = false;
  }

  // The client answers each request with `script`.
  void serve(FakeHttpEngine::Script script) {
    auto fake = std::make_unique<FakeHttpEngine>(std::move(script));
    engine_ = fake.get();
    client_ = std::make_unique<s3::S3Client>(s3::testing::fake_settings(), s3::S3ClientOptions{},
                                             std::move(fake));
  }

  catalog::CaptureRecordRow capture(const std::string& name, const std::string& owner) {
    catalog::CaptureRecordRow row;
    row.name = name;
    row.pair_key = "/photos|" + name;
    row.owner_sha256 = owner;
    row.item_key = "p/metadata/2026/05/03/" + name + ".json";
    row.date_path = "2026/05/03";
    row.item_json = R"({"type":"Feature","id":")" + name + R"(","assets":{}})";
    return row;
  }

  ::imgsync::testing::ScratchDir dir_;
  std::optional<catalog::JournalStore> journal_;
  config::AppConfig config_;
  FakeHttpEngine* engine_ = nullptr;
  std::unique_ptr<s3::S3Client> client_;
};

}  // namespace imgsync::app::testing
