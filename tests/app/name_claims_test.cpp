// NameClaims against a scripted S3 (FakeHttpEngine): a name is won by a put-if-absent claim, a
// 412 is settled by the claim's owner, and a refusal is an error, never a lost name.
#include "app/name_claims.h"

#include <gtest/gtest.h>

#include "publish_step_fakes.h"

namespace imgsync::app {
namespace {

using testing::answer;

const std::string kOurs(64, 'a');
const std::string kTheirs(64, 'b');

class NameClaimsTest : public testing::PublishStepTest {
 protected:
  PlannedFile planned() const {
    PlannedFile file;
    file.name = "proj_img-1_20260503";
    file.item_key = "p/metadata/2026/05/03/proj_img-1_20260503.json";
    file.claim_key = "p/claims/2026/05/03/proj_img-1_20260503";
    file.owner_sha256 = kOurs;
    return file;
  }
  // Claims the name; what `done` said.
  Result<bool> claim() {
    EXPECT_TRUE(journal_->upsert_capture(capture(planned().name, kOurs)).ok());
    NameClaims claims(config_, *journal_, *client_);
    transfer::TaskQueue queue(client_->engine(), 4);
    std::optional<Result<bool>> said;
    queue.push([&](transfer::TaskQueue::Finished finished) {
      claims.claim(queue, planned(), [&](Result<bool> ours) { said = std::move(ours); });
      finished();
    });
    queue.run();
    EXPECT_TRUE(said.has_value());
    return said ? std::move(*said) : Result<bool>(make_error(ErrorCategory::kFatal, "no answer"));
  }
  bool recorded_claimed() {
    auto row = journal_->capture_by_name(planned().name);
    return row.ok() && row->has_value() && (*row)->claimed;
  }
};

TEST_F(NameClaimsTest, AFreeNameIsWonByAPutIfAbsentAndRecorded) {
  serve([](const s3::HttpRequest&, int) { return answer(200); });
  auto ours = claim();
  ASSERT_TRUE(ours.ok()) << ours.error().message;
  EXPECT_TRUE(*ours);
  ASSERT_EQ(engine_->requests().size(), 1u);
  const auto& put = engine_->requests()[0];
  EXPECT_EQ(put.method, "PUT");
  EXPECT_NE(put.url.find("/b/p/claims/2026/05/03/proj_img-1_20260503"), std::string::npos);
  EXPECT_EQ(put.header("if-none-match"), "*");
  EXPECT_EQ(put.header("x-amz-meta-imgsync-sha256"), kOurs);
  EXPECT_TRUE(recorded_claimed());
}

TEST_F(NameClaimsTest, AClaimHeldByTheSameContentIsOurs) {
  serve([](const s3::HttpRequest& request, int) {
    if (request.method == "PUT") return answer(412, "PreconditionFailed");
    return answer(200, "", {{"x-amz-meta-imgsync-sha256", kOurs}});
  });
  auto ours = claim();
  ASSERT_TRUE(ours.ok()) << ours.error().message;
  EXPECT_TRUE(*ours);
  ASSERT_EQ(engine_->requests().size(), 2u);
  EXPECT_EQ(engine_->requests()[1].method, "HEAD");
  EXPECT_TRUE(recorded_claimed());
}

TEST_F(NameClaimsTest, AClaimHeldByOtherContentIsNotOursAndNothingIsRecorded) {
  serve([](const s3::HttpRequest& request, int) {
    if (request.method == "PUT") return answer(412, "PreconditionFailed");
    return answer(200, "", {{"x-amz-meta-imgsync-sha256", kTheirs}});
  });
  auto ours = claim();
  ASSERT_TRUE(ours.ok()) << ours.error().message;
  EXPECT_FALSE(*ours);
  EXPECT_FALSE(recorded_claimed());
}

TEST_F(NameClaimsTest, ARefusalIsAnErrorNeverALostName) {
  serve([](const s3::HttpRequest&, int) { return answer(403, "AccessDenied"); });
  auto ours = claim();
  ASSERT_FALSE(ours.ok());
  EXPECT_EQ(ours.error().category, ErrorCategory::kAuth);
  EXPECT_EQ(engine_->requests().size(), 1u) << "an authorization refusal is not retried";
  EXPECT_FALSE(recorded_claimed());
}

}  // namespace
}  // namespace imgsync::app
