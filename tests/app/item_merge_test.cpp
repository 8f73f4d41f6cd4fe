// Two writers of one capture's Item (app/item_merge.h): which Item names every asset of another,
// what a merge keeps, and ItemWriter's conditional writes against a scripted store that honours
// If-None-Match and If-Match (quoted, as AWS; or bare, as Ceph RGW compares them).
#include "app/item_merge.h"

#include <gtest/gtest.h>

#include "publish_step_fakes.h"
#include "util/hashing.h"

namespace imgsync::app {
namespace {

using nlohmann::json;
using testing::answer;

json asset(const std::string& href, const std::string& checksum) {
  return {{"href", href}, {"file:checksum", checksum}, {"roles", {"data"}}};
}

json item(const std::string& id, json assets, const std::string& created = "2026-05-03T10:00:00Z") {
  return {{"type", "Feature"},
          {"id", id},
          {"properties", {{"created", created}}},
          {"assets", std::move(assets)},
          {"stac_extensions", {"https://stac-extensions.github.io/file/v2.1.0/schema.json"}}};
}

TEST(ItemMerge, TheirsNamesOursOnlyWithEveryAssetAsOursNamesIt) {
  const json ours = item("cap", {{"enhanced", asset("e.jpg", "11")}});
  EXPECT_TRUE(names_every_asset(
      item("cap", {{"enhanced", asset("e.jpg", "11")}, {"raw", asset("r.dng", "22")}},
           "2026-05-04T00:00:00Z"),
      ours));
  EXPECT_FALSE(names_every_asset(item("cap", {{"raw", asset("r.dng", "22")}}), ours));
  EXPECT_FALSE(names_every_asset(item("cap", {{"enhanced", asset("e.jpg", "99")}}), ours))
      << "another checksum: not the asset ours names";
  EXPECT_FALSE(names_every_asset(item("other", {{"enhanced", asset("e.jpg", "11")}}), ours));
  EXPECT_FALSE(names_every_asset(json::parse("[1]"), ours));
  EXPECT_FALSE(names_every_asset(json(), ours));
  // A thumbnail at the same key is the capture's, whichever writer made it.
  const json with_thumbnail =
      item("cap", {{"enhanced", asset("e.jpg", "11")}, {"thumbnail", asset("t.jpg", "33")}});
  EXPECT_TRUE(names_every_asset(
      item("cap", {{"enhanced", asset("e.jpg", "11")}, {"thumbnail", asset("t.jpg", "44")}}),
      with_thumbnail));
  EXPECT_FALSE(
      names_every_asset(item("cap", {{"enhanced", asset("e.jpg", "11")}}), with_thumbnail));
}

TEST(ItemMerge, MergedIsOursWithTheAssetsOnlyTheirsNames) {
  const json ours = item("cap", {{"enhanced", asset("e.jpg", "11")}}, "2026-05-04T00:00:00Z");
  json theirs = item("cap", {{"enhanced", asset("e.jpg", "00")}, {"raw", asset("r.dng", "22")}});
  theirs["stac_extensions"].push_back("https://example.com/other.json");
  const json merged = merge_items(ours, theirs);
  EXPECT_EQ(merged["assets"]["enhanced"], ours["assets"]["enhanced"]) << "ours names what it sent";
  EXPECT_EQ(merged["assets"]["raw"], theirs["assets"]["raw"]);
  EXPECT_EQ(merged["properties"], ours["properties"]);
  EXPECT_EQ(merged["stac_extensions"].size(), 2u);
  EXPECT_TRUE(names_every_asset(merged, ours));
  EXPECT_EQ(merge_items(ours, item("other", {{"raw", asset("r.dng", "22")}})), ours);
  EXPECT_EQ(merge_items(ours, json::parse("\"garbage\"")), ours);
}

// A store holding one object, honouring If-None-Match: * and If-Match (compared with the ETag
// quoted, or bare as Ceph RGW does); `interfere` changes the object before each PUT's check.
struct ConditionalStore {
  bool bare = false;
  bool no_if_match = false;  // answers If-Match with 501 NotImplemented
  std::optional<std::string> body{};
  int version = 0;
  std::function<void(ConditionalStore&)> interfere{};
  std::vector<std::string> preconditions{};  // per PUT: "none-match *" or "match <value>"

  std::string etag() const { return "etag" + std::to_string(version); }
  void store(std::string text) {
    body = std::move(text);
    ++version;
  }
  Result<s3::HttpResponse> serve(const s3::HttpRequest& request) {
    if (request.method == "GET") {
      if (!body) return answer(404, "NoSuchKey");
      auto response = answer(200, "", {{"ETag", "\"" + etag() + "\""}});
      response.body = *body;
      return response;
    }
    if (interfere) interfere(*this);
    const std::string none = request.header("If-None-Match"), match = request.header("If-Match");
    preconditions.push_back(!none.empty() ? "none-match " + none : "match " + match);
    if (!match.empty() && no_if_match) return answer(501, "NotImplemented");
    if (!none.empty() && body) return answer(412, "PreconditionFailed");
    if (!match.empty() && (!body || match != (bare ? etag() : "\"" + etag() + "\""))) {
      return answer(412, "PreconditionFailed");
    }
    store(request.body);
    return answer(200, "", {{"ETag", "\"" + etag() + "\""}});
  }
};

class ItemWriterTest : public testing::PublishStepTest {
 protected:
  void SetUp() override {
    serve([this](const s3::HttpRequest& request, int) { return store_.serve(request); });
  }
  Result<ItemWritten> write(ItemWriter& writer, const catalog::CaptureRecordRow& row) {
    std::optional<Result<ItemWritten>> result;
    writer.write(row, [&](Result<ItemWritten> written) { result = std::move(written); });
    client_->engine().run_until([&] { return result.has_value(); });
    return std::move(*result);
  }
  catalog::CaptureRecordRow row_with(const json& item_json, const std::string& etag = "") {
    auto row = capture("cap", std::string(64, 'a'));
    row.item_json = item_json.dump();
    row.item_etag = etag;
    return row;
  }
  // An Item written, then edited (another title) and written over the first version: both
  // writes must succeed, and the store holds the edit.
  std::pair<ItemWritten, ItemWritten> write_then_edit(ItemWriter& writer) {
    json ours = item("cap", {{"enhanced", asset("e.jpg", "11")}});
    auto first = write(writer, row_with(ours));
    EXPECT_TRUE(first.ok());
    if (!first.ok()) return {};
    ours["properties"]["title"] = "edited";
    auto second = write(writer, row_with(ours, first->etag));
    EXPECT_TRUE(second.ok()) << second.error().describe();
    if (!second.ok()) return {};
    EXPECT_EQ(*store_.body, ours.dump());
    return {*first, *second};
  }
  ConditionalStore store_;
};

TEST_F(ItemWriterTest, FirstWriteOnlyCreatesAndLaterOnesGoOverTheVersionWritten) {
  ItemWriter writer(config_, *client_);
  const json ours = item("cap", {{"enhanced", asset("e.jpg", "11")}});
  auto first = write(writer, row_with(ours));
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_TRUE(first->uploaded);
  EXPECT_FALSE(first->merged);
  EXPECT_EQ(first->etag, store_.etag());
  EXPECT_EQ(first->sha256, to_hex(sha256(ours.dump())));
  json next = ours;
  next["assets"]["thumbnail"] = asset("t.jpg", "33");
  auto second = write(writer, row_with(next, first->etag));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(store_.preconditions,
            (std::vector<std::string>{"none-match *", "match \"" + first->etag + "\""}));
  EXPECT_EQ(*store_.body, next.dump());
}

TEST_F(ItemWriterTest, AnotherWritersItemThatNamesOursIsAdoptedWithoutAWrite) {
  const json theirs =
      item("cap", {{"enhanced", asset("e.jpg", "11")}, {"raw", asset("r.dng", "22")}});
  store_.store(theirs.dump());
  ItemWriter writer(config_, *client_);
  auto written = write(writer, row_with(item("cap", {{"enhanced", asset("e.jpg", "11")}})));
  ASSERT_TRUE(written.ok());
  EXPECT_FALSE(written->uploaded);
  EXPECT_TRUE(written->merged);
  EXPECT_EQ(written->stored, theirs.dump());
  EXPECT_EQ(written->etag, store_.etag());
  EXPECT_EQ(written->sha256, to_hex(sha256(theirs.dump())));
  EXPECT_EQ(store_.version, 1) << "nothing written over theirs";
}

TEST_F(ItemWriterTest, AnItemChangedSinceOurWriteIsMergedAndWrittenOverTheirs) {
  for (const bool bare : {false, true}) {
    store_ = ConditionalStore{};
    store_.bare = bare;
    const json ours = item("cap", {{"enhanced", asset("e.jpg", "11")}});
    ItemWriter writer(config_, *client_);
    auto first = write(writer, row_with(ours));
    ASSERT_TRUE(first.ok());
    // Another machine adds the raw asset, then this one the thumbnail.
    store_.store(
        item("cap", {{"enhanced", asset("e.jpg", "11")}, {"raw", asset("r.dng", "22")}}).dump());
    json next = ours;
    next["assets"]["thumbnail"] = asset("t.jpg", "33");
    auto second = write(writer, row_with(next, first->etag));
    ASSERT_TRUE(second.ok()) << second.error().describe();
    EXPECT_TRUE(second->merged);
    EXPECT_TRUE(second->uploaded);
    const json stored = json::parse(*store_.body);
    EXPECT_EQ(second->stored, *store_.body);
    for (const char* slot : {"enhanced", "raw", "thumbnail"}) {
      EXPECT_TRUE(stored["assets"].contains(slot)) << slot << (bare ? " bare" : " quoted");
    }
  }
}

TEST_F(ItemWriterTest, AStoreComparingIfMatchBareIsLearntOnce) {
  store_.bare = true;
  ItemWriter writer(config_, *client_);
  auto [first, second] = write_then_edit(writer);
  EXPECT_FALSE(second.merged) << "the Item on the store was ours: nothing to merge";
  json next = json::parse(*store_.body);
  next["properties"]["title"] = "again";
  // The next run's writer (a watch daemon's next batch) on the same client knows it already.
  ItemWriter next_run(config_, *client_);
  ASSERT_TRUE(write(next_run, row_with(next, second.etag)).ok());
  EXPECT_EQ(store_.preconditions.back(), "match " + second.etag) << "sent bare from now on";
  EXPECT_EQ(store_.preconditions.size(), 4u) << "one refusal to learn it, then none";
}

TEST_F(ItemWriterTest, AStoreWithoutIfMatchGetsTheItemWrittenWithoutIt) {
  store_.no_if_match = true;
  ItemWriter writer(config_, *client_);
  auto [first, second] = write_then_edit(writer);
  // 501 is retried as a server error first; then the Item goes without If-Match, once.
  ASSERT_GE(store_.preconditions.size(), 3u);
  EXPECT_EQ(store_.preconditions.front(), "none-match *");
  EXPECT_EQ(store_.preconditions[1], "match \"" + first.etag + "\"");
  EXPECT_EQ(std::count(store_.preconditions.begin(), store_.preconditions.end(), "match "), 1);
  EXPECT_EQ(store_.preconditions.back(), "match ");
}

TEST_F(ItemWriterTest, AnItemChangingUnderEveryWriteFailsAsAConflictAndStaysDue) {
  ItemWriter writer(config_, *client_);
  store_.store(item("cap", {{"raw", asset("r.dng", "22")}}).dump());
  store_.interfere = [](ConditionalStore& store) { store.store(*store.body); };
  auto written = write(writer, row_with(item("cap", {{"enhanced", asset("e.jpg", "11")}})));
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().category, ErrorCategory::kConflict);
  EXPECT_NE(written.error().message.find("another writer"), std::string::npos);
  EXPECT_EQ(store_.preconditions.size(), 5u);
}

// A write whose answer was lost (the connection reset after the request) is sent again and meets
// its own Item: taken as written, not as another writer's.
TEST_F(ItemWriterTest, OurOwnItemFromAWriteWhoseAnswerWasLostCountsAsWritten) {
  const json ours = item("cap", {{"enhanced", asset("e.jpg", "11")}});
  store_.store(ours.dump());
  ItemWriter writer(config_, *client_);
  auto written = write(writer, row_with(ours));
  ASSERT_TRUE(written.ok());
  EXPECT_TRUE(written->uploaded);
  EXPECT_FALSE(written->merged);
  EXPECT_EQ(written->etag, store_.etag());
}

TEST_F(ItemWriterTest, AnItemDeletedSinceIsWrittenAgainAsAFirstWrite) {
  ItemWriter writer(config_, *client_);
  const json ours = item("cap", {{"enhanced", asset("e.jpg", "11")}});
  auto written = write(writer, row_with(ours, "etag-gone"));
  ASSERT_TRUE(written.ok()) << written.error().describe();
  EXPECT_EQ(store_.preconditions,
            (std::vector<std::string>{"match \"etag-gone\"", "none-match *"}));
  EXPECT_EQ(*store_.body, ours.dump());
}

}  // namespace
}  // namespace imgsync::app
