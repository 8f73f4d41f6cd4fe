// The fault proxy itself, between the HTTP engine imgsync uses and a local receiver: what it
// forwards, what it injects and counts, and that it stops cleanly (this runs under ASan too).
#include "support/fault_proxy.h"

#include <gtest/gtest.h>

#include "s3/http_engine.h"
#include "support/http_receiver.h"

namespace imgsync::testing {
namespace {

using namespace std::chrono_literals;

class FaultProxyTest : public ::testing::Test {
 protected:
  // "127.0.0.1:PORT" of the receiver.
  std::string upstream() const {
    const std::string url = receiver_.url();
    const auto host = url.find("//") + 2;
    return url.substr(host, url.find('/', host) - host);
  }
  Result<s3::HttpResponse> put(const FaultProxy& proxy, const std::string& body) {
    s3::HttpRequest request;
    request.method = "PUT";
    request.url = proxy.endpoint() + "/bucket/key";
    request.body = body;
    return engine_.perform(std::move(request));
  }

  HttpReceiver receiver_;
  s3::HttpEngine engine_;
};

TEST_F(FaultProxyTest, ForwardsRequestsAndTheirBodies) {
  FaultProxy proxy(upstream());
  const std::string body(300 * 1024, 'b');  // big enough for curl's "Expect: 100-continue"
  auto first = put(proxy, "small body");
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_EQ(first->status, 200);
  auto second = put(proxy, body);
  ASSERT_TRUE(second.ok()) << second.error().describe();
  EXPECT_EQ(second->status, 200);
  auto bodies = receiver_.wait_for_bodies(2, 10s);
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0], "small body");
  EXPECT_EQ(bodies[1], body);
  // The count follows the answer's last byte: the client may see it first.
  EXPECT_TRUE(proxy.wait_for([](const FaultCounters& c) { return c.forwarded == 2; }, 5s));
  const auto counters = proxy.counters();
  EXPECT_EQ(counters.requests, 2);
  EXPECT_EQ(counters.faults(), 0);
  EXPECT_FALSE(proxy.last_fault().has_value());
}

TEST_F(FaultProxyTest, AnswersErrorsItselfWithAnS3Body) {
  FaultPolicy policy;
  policy.slow_down = 1.0;
  FaultProxy proxy(upstream(), policy);
  auto slow = put(proxy, std::string(200 * 1024, 's'));
  ASSERT_TRUE(slow.ok()) << slow.error().describe();
  EXPECT_EQ(slow->status, 503);
  EXPECT_NE(slow->body.find("<Code>SlowDown</Code>"), std::string::npos) << slow->body;

  policy.slow_down = 0;
  policy.custom_error = 1.0;
  policy.custom_status = 403;
  policy.custom_code = "AccessDenied";
  proxy.set_policy(policy);
  auto denied = put(proxy, "x");
  ASSERT_TRUE(denied.ok()) << denied.error().describe();
  EXPECT_EQ(denied->status, 403);
  EXPECT_NE(denied->body.find("<Code>AccessDenied</Code>"), std::string::npos);
  EXPECT_EQ(denied->header("x-amz-request-id"), "fault-proxy-2");

  const auto counters = proxy.counters();
  EXPECT_EQ(counters.slow_down, 1);
  EXPECT_EQ(counters.custom_error, 1);
  EXPECT_EQ(counters.forwarded, 0);
  EXPECT_TRUE(proxy.last_fault().has_value());
  EXPECT_TRUE(receiver_.wait_for_bodies(1, 0ms).empty());  // nothing reached the server
}

TEST_F(FaultProxyTest, DropsConnectionsMidBodyAndLimitsItsFaults) {
  FaultPolicy policy;
  policy.drop_mid_body = 1.0;
  policy.drop_after_bytes = 1000;
  policy.max_faults = 1;
  FaultProxy proxy(upstream(), policy);
  auto dropped = put(proxy, std::string(10000, 'd'));
  ASSERT_FALSE(dropped.ok());
  EXPECT_EQ(dropped.error().category, ErrorCategory::kRetryable) << dropped.error().describe();
  auto passed = put(proxy, "after the budget");  // max_faults reached: forwarded
  ASSERT_TRUE(passed.ok()) << passed.error().describe();
  EXPECT_EQ(passed->status, 200);
  EXPECT_EQ(receiver_.wait_for_bodies(1, 10s), std::vector<std::string>{"after the budget"});
  EXPECT_EQ(proxy.counters().dropped_mid_body, 1);
}

TEST_F(FaultProxyTest, RefusesConnectionsUntilToldAndDelaysWhenAsked) {
  FaultPolicy policy;
  policy.delay = 1.0;
  policy.delay_by = 200ms;
  FaultProxy proxy(upstream(), policy);
  proxy.refuse_connections(true);
  auto refused = put(proxy, "refused");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().category, ErrorCategory::kRetryable) << refused.error().describe();
  EXPECT_TRUE(
      proxy.wait_for([](const FaultCounters& c) { return c.refused_connections >= 1; }, 5s));
  proxy.refuse_connections(false);
  auto delayed = put(proxy, "delayed");  // held back, then forwarded (how long: not asserted)
  ASSERT_TRUE(delayed.ok()) << delayed.error().describe();
  EXPECT_EQ(proxy.counters().delayed, 1);
  // Counted once the answer was relayed, which the client may see first: waited for.
  EXPECT_TRUE(proxy.wait_for([](const FaultCounters& c) { return c.forwarded == 1; }, 30s));
}

TEST_F(FaultProxyTest, StopsWhileARequestIsHeldBack) {
  FaultPolicy policy;
  policy.delay = 1.0;
  policy.delay_by = 1h;
  auto proxy = std::make_unique<FaultProxy>(upstream(), policy);
  s3::HttpRequest request;
  request.method = "PUT";
  request.url = proxy->endpoint() + "/bucket/key";
  request.body = "held";
  std::optional<Result<s3::HttpResponse>> outcome;
  engine_.submit(std::move(request),
                 [&outcome](Result<s3::HttpResponse> result) { outcome = std::move(result); });
  // Drive the engine until the proxy holds the request, then destroy the proxy under it.
  engine_.run_until([&] { return proxy->counters().delayed == 1; });
  EXPECT_EQ(proxy->counters().forwarded, 0) << "held back for an hour, not forwarded";
  // Wakes the held request, closes its connection, joins every thread: returning at all (not
  // after the hour) is what is tested; a hang fails by ctest's timeout.
  proxy.reset();
  engine_.run_until([&] { return outcome.has_value(); });
  ASSERT_TRUE(outcome.has_value());
  EXPECT_FALSE(outcome->ok());
}

}  // namespace
}  // namespace imgsync::testing
