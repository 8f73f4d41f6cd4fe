// ItemPublisher against a scripted S3 (FakeHttpEngine): a capture's Item goes up only once no
// file of it is in flight, earlier runs' dirty Items go up at the end, and a destination that
// refuses leaves the Item dirty for the next run.
#include "app/item_publisher.h"

#include <gtest/gtest.h>

#include "publish_step_fakes.h"

namespace imgsync::app {
namespace {

using testing::answer;

const std::string kOwner(64, 'a');

class ItemPublisherTest : public testing::PublishStepTest {
 protected:
  std::unique_ptr<ItemPublisher> publisher() {
    return std::make_unique<ItemPublisher>(
        config_, *journal_, *client_, report_,
        PublisherHooks{.emit = [this](const SyncEvent& event) { events_.push_back(event); },
                       .journal_failed = [](const Status& status) { EXPECT_TRUE(status.ok()); },
                       .destination_lost = [this](const Error& error) { lost_ = error; },
                       .stopped = [this] { return lost_.has_value(); },
                       .item_changed = nullptr});
  }
  ScannedFile file(const std::string& name) const {
    ScannedFile scanned;
    scanned.source = "/photos";
    scanned.relative = name;
    scanned.path = "/photos/" + name;
    scanned.kind = config::SourceKind::kEnhanced;
    return scanned;
  }
  bool dirty(const std::string& name) {
    auto row = journal_->capture_by_name(name);
    return row.ok() && row->has_value() && (*row)->item_sha256.empty();
  }
  std::vector<std::string> puts() const {
    std::vector<std::string> urls;
    for (const auto& request : engine_->requests()) {
      if (request.method == "PUT") urls.push_back(request.url);
    }
    return urls;
  }

  SyncReport report_;
  std::vector<SyncEvent> events_;
  std::optional<Error> lost_;
};

TEST_F(ItemPublisherTest, TheItemGoesUpOnlyOnceTheLastFileOfItsCaptureIsDone) {
  serve([](const s3::HttpRequest&, int) { return answer(200, "", {{"ETag", "\"e\""}}); });
  const auto row = capture("cap", kOwner);
  ASSERT_TRUE(journal_->upsert_capture(row).ok());
  auto items = publisher();
  transfer::TaskQueue queue(client_->engine(), 4);
  media::ImageMetadata metadata;
  items->asset_started("cap", file("raw.dng"), metadata);
  items->asset_started("cap", file("edit.jpg"), metadata);
  items->asset_finished(queue, "cap", file("raw.dng"));
  queue.run();
  EXPECT_TRUE(puts().empty()) << "a file of the capture is still in flight";
  EXPECT_TRUE(dirty("cap"));
  items->asset_finished(queue, "cap", file("edit.jpg"));
  queue.run();
  ASSERT_EQ(puts().size(), 1u);
  EXPECT_NE(puts()[0].find("/b/p/metadata/2026/05/03/cap.json"), std::string::npos);
  EXPECT_EQ(engine_->requests().back().body, row.item_json);
  EXPECT_FALSE(dirty("cap"));
  EXPECT_EQ(report_.items_uploaded, 1);
}

TEST_F(ItemPublisherTest, DirtyItemsOfEarlierRunsGoUpAtTheEndEachOnce) {
  serve([](const s3::HttpRequest&, int) { return answer(200, "", {{"ETag", "\"e\""}}); });
  for (const char* name : {"one", "two", "three"}) {
    ASSERT_TRUE(journal_->upsert_capture(capture(name, kOwner)).ok());
  }
  auto items = publisher();
  transfer::TaskQueue queue(client_->engine(), 2);
  items->publish_remaining(queue);
  EXPECT_EQ(puts().size(), 3u);
  for (const char* name : {"one", "two", "three"}) EXPECT_FALSE(dirty(name)) << name;
  // Nothing dirty any more: a second pass sends nothing.
  items->publish_remaining(queue);
  EXPECT_EQ(puts().size(), 3u);
}

TEST_F(ItemPublisherTest, ARefusingDestinationStopsTheRunAndTheItemStaysDirty) {
  serve([](const s3::HttpRequest&, int) { return answer(403, "InvalidAccessKeyId"); });
  ASSERT_TRUE(journal_->upsert_capture(capture("cap", kOwner)).ok());
  auto items = publisher();
  transfer::TaskQueue queue(client_->engine(), 2);
  items->publish_remaining(queue);
  ASSERT_TRUE(lost_.has_value());
  EXPECT_EQ(lost_->category, ErrorCategory::kAuth);
  EXPECT_TRUE(dirty("cap")) << "the next run sends it";
  EXPECT_EQ(report_.items_uploaded, 0);
}

}  // namespace
}  // namespace imgsync::app
