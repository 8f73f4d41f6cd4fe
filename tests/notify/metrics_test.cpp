// The metrics registry's exposition format (parsed back as Prometheus would), the request
// routing of the metrics server, and the server itself on a loopback port.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <sstream>
#include <vector>

#include "notify/metrics_registry.h"
#include "notify/metrics_server.h"
#include "support/http_get.h"

namespace imgsync::notify {
namespace {

struct Exposition {
  std::map<std::string, std::string> types;  // metric family -> counter|gauge|histogram
  std::map<std::string, std::string> help;
  std::vector<std::pair<std::string, double>> samples;  // "name{labels}" -> value, in order

  double value(const std::string& series) const {
    for (const auto& [name, value] : samples) {
      if (name == series) return value;
    }
    ADD_FAILURE() << "no sample " << series;
    return -1;
  }
};

// A strict reading of text format 0.0.4: every line is a comment (# HELP / # TYPE) or
// `name{labels} value`; every sample belongs to a family declared by a TYPE line before it.
Exposition parse(const std::string& text) {
  Exposition parsed;
  std::istringstream lines(text);
  std::string line;
  EXPECT_EQ(text.back(), '\n');
  while (std::getline(lines, line)) {
    EXPECT_FALSE(line.empty()) << "blank line";
    if (line.rfind("# ", 0) == 0) {
      std::istringstream words(line.substr(2));
      std::string kind, name, rest;
      words >> kind >> name;
      std::getline(words, rest);
      EXPECT_TRUE(kind == "HELP" || kind == "TYPE") << line;
      (kind == "TYPE" ? parsed.types : parsed.help)[name] = rest.empty() ? "" : rest.substr(1);
      continue;
    }
    const auto space = line.rfind(' ');
    EXPECT_NE(space, std::string::npos) << line;
    if (space == std::string::npos) continue;
    const std::string series = line.substr(0, space);
    std::size_t used = 0;
    const double value = std::stod(line.substr(space + 1), &used);
    EXPECT_EQ(used, line.size() - space - 1) << line;
    std::string family = series.substr(0, series.find('{'));
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      const std::string s(suffix);
      if (family.size() > s.size() && family.ends_with(s) &&
          parsed.types.count(family.substr(0, family.size() - s.size())) &&
          parsed.types[family.substr(0, family.size() - s.size())] == "histogram") {
        family = family.substr(0, family.size() - s.size());
      }
    }
    EXPECT_TRUE(parsed.types.count(family)) << "no TYPE before " << line;
    EXPECT_TRUE(parsed.help.count(family)) << "no HELP before " << line;
    parsed.samples.emplace_back(series, value);
  }
  return parsed;
}

TEST(MetricsRegistry, ExpositionParsesBackWithEveryFamily) {
  MetricsRegistry registry;
  const auto when = std::chrono::system_clock::time_point(std::chrono::seconds(1780000000));
  registry.record_upload(1000, 0.07, when);
  registry.record_upload(2500, 3.0, when);
  registry.record_upload(10, 1000.0, when + std::chrono::seconds(5));  // beyond the last bucket
  registry.record_failure("local-io");
  registry.record_failure("local-io");
  registry.record_failure("throttled");
  registry.record_retry();
  registry.set_queue_depth(7);
  auto parsed = parse(registry.exposition());
  EXPECT_EQ(parsed.types["imgsync_uploaded_files_total"], "counter");
  EXPECT_EQ(parsed.types["imgsync_uploaded_bytes_total"], "counter");
  EXPECT_EQ(parsed.types["imgsync_failures_total"], "counter");
  EXPECT_EQ(parsed.types["imgsync_retries_total"], "counter");
  EXPECT_EQ(parsed.types["imgsync_queue_depth"], "gauge");
  EXPECT_EQ(parsed.types["imgsync_paused"], "gauge");
  EXPECT_EQ(parsed.types["imgsync_last_success_timestamp_seconds"], "gauge");
  EXPECT_EQ(parsed.types["imgsync_upload_duration_seconds"], "histogram");
  EXPECT_EQ(parsed.value("imgsync_uploaded_files_total"), 3);
  EXPECT_EQ(parsed.value("imgsync_uploaded_bytes_total"), 3510);
  EXPECT_EQ(parsed.value("imgsync_failures_total{category=\"local-io\"}"), 2);
  EXPECT_EQ(parsed.value("imgsync_failures_total{category=\"throttled\"}"), 1);
  EXPECT_EQ(parsed.value("imgsync_failures_total{category=\"auth\"}"), 0);  // known from 0
  EXPECT_EQ(parsed.value("imgsync_retries_total"), 1);
  EXPECT_EQ(parsed.value("imgsync_queue_depth"), 7);
  EXPECT_EQ(parsed.value("imgsync_paused"), 0);
  EXPECT_EQ(parsed.value("imgsync_last_success_timestamp_seconds"), 1780000005);
  EXPECT_EQ(parsed.value("imgsync_upload_duration_seconds_count"), 3);
  EXPECT_DOUBLE_EQ(parsed.value("imgsync_upload_duration_seconds_sum"), 1003.07);
  EXPECT_EQ(parsed.value("imgsync_upload_duration_seconds_bucket{le=\"0.05\"}"), 0);
  EXPECT_EQ(parsed.value("imgsync_upload_duration_seconds_bucket{le=\"0.1\"}"), 1);
  EXPECT_EQ(parsed.value("imgsync_upload_duration_seconds_bucket{le=\"5\"}"), 2);
  EXPECT_EQ(parsed.value("imgsync_upload_duration_seconds_bucket{le=\"300\"}"), 2);
  EXPECT_EQ(parsed.value("imgsync_upload_duration_seconds_bucket{le=\"+Inf\"}"), 3);
}

TEST(MetricsRegistry, HistogramBucketsAreCumulativeAndEndAtCount) {
  MetricsRegistry registry;
  for (int i = 0; i < 200; ++i) registry.record_upload(1, 0.01 * i * i);
  auto parsed = parse(registry.exposition());
  double previous = -1, previous_le = -1;
  int buckets = 0;
  for (const auto& [series, value] : parsed.samples) {
    const std::string prefix = "imgsync_upload_duration_seconds_bucket{le=\"";
    if (series.rfind(prefix, 0) != 0) continue;
    ++buckets;
    const std::string le = series.substr(prefix.size(), series.size() - prefix.size() - 2);
    const double bound = le == "+Inf" ? 1e300 : std::stod(le);
    EXPECT_GT(bound, previous_le) << "buckets out of order at " << series;
    EXPECT_GE(value, previous) << "not cumulative at " << series;
    previous = value;
    previous_le = bound;
  }
  EXPECT_EQ(buckets, static_cast<int>(MetricsRegistry::kDurationBuckets.size()) + 1);
  EXPECT_EQ(previous, 200);  // +Inf is the count
  EXPECT_EQ(parsed.value("imgsync_upload_duration_seconds_count"), 200);
}

TEST(MetricsRegistry, LabelValuesAreEscaped) {
  MetricsRegistry registry;
  registry.record_failure("odd\"cat\\egory\n");
  const std::string text = registry.exposition();
  EXPECT_NE(text.find(R"(category="odd\"cat\\egory\n"} 1)"), std::string::npos) << text;
}

TEST(MetricsRequests, RoutesAndHealth) {
  MetricsRegistry registry;
  auto metrics = answer_metrics_request("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", registry);
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("imgsync_uploaded_files_total 0\n"), std::string::npos);
  EXPECT_EQ(answer_metrics_request("GET /healthz HTTP/1.1\r\n\r\n", registry).status, 200);
  EXPECT_EQ(answer_metrics_request("GET /healthz HTTP/1.1\r\n\r\n", registry).body, "ok\n");
  EXPECT_EQ(answer_metrics_request("GET /metrics?x=1 HTTP/1.0\r\n\r\n", registry).status, 200);
  EXPECT_EQ(answer_metrics_request("GET / HTTP/1.1\r\n\r\n", registry).status, 404);
  EXPECT_EQ(answer_metrics_request("GET /metricsx HTTP/1.1\r\n\r\n", registry).status, 404);
  auto post = answer_metrics_request("POST /metrics HTTP/1.1\r\n\r\n", registry);
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.to_string().find("Allow: GET\r\n"), std::string::npos);
  EXPECT_EQ(answer_metrics_request("nonsense\r\n\r\n", registry).status, 400);
  registry.set_paused(true, "endpoint unreachable");
  auto paused = answer_metrics_request("GET /healthz HTTP/1.1\r\n\r\n", registry);
  EXPECT_EQ(paused.status, 503);
  EXPECT_EQ(paused.body, "paused: endpoint unreachable\n");
  registry.set_paused(false);
  EXPECT_EQ(answer_metrics_request("GET /healthz HTTP/1.1\r\n\r\n", registry).status, 200);
}

TEST(MetricsServer, ServesOverLoopbackAndStopsCleanly) {
  MetricsRegistry registry;
  registry.record_upload(42, 0.2);
  auto server = MetricsServer::start({"127.0.0.1", 0}, registry);
  ASSERT_TRUE(server.ok()) << server.error().message;
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());
  auto metrics = testing::http_get(base + "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("imgsync_uploaded_bytes_total 42\n"), std::string::npos);
  EXPECT_EQ(testing::http_get(base + "/healthz").body, "ok\n");
  EXPECT_EQ(testing::http_get(base + "/nope").status, 404);
  EXPECT_EQ(testing::http_get(base + "/metrics", "DELETE").status, 405);
  // A client that connects and says nothing does not stop the next one being served.
  const int silent = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons((*server)->port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(silent, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  EXPECT_EQ(testing::http_get(base + "/healthz").status, 200);
  close(silent);
  server->reset();  // joins the thread; the port is closed after
  EXPECT_EQ(testing::http_get(base + "/healthz").status, 0);
}

TEST(MetricsServer, ScrapesAreAnsweredWhileFiftyIdleConnectionsAreOpen) {
  MetricsRegistry registry;
  auto server = MetricsServer::start({"127.0.0.1", 0}, registry);
  ASSERT_TRUE(server.ok()) << server.error().message;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons((*server)->port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // Slow clients: half connect and say nothing, half send part of a head and stall.
  std::vector<int> idle;
  for (int i = 0; i < 50; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    if (i % 2 == 1) {
      ASSERT_EQ(send(fd, "GET /metr", 9, 0), 9);
    }
    idle.push_back(fd);
  }
  // Each scrape gets its answer within http_get's 5 s, although every idle connection above is
  // still open: one server handling them in turn (2 s each) would leave these unanswered.
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());
  for (int scrape = 0; scrape < 5; ++scrape) {
    auto metrics = testing::http_get(base + "/metrics");
    EXPECT_EQ(metrics.status, 200) << scrape;
    EXPECT_NE(metrics.body.find("imgsync_uploaded_bytes_total"), std::string::npos);
  }
  for (const int fd : idle) close(fd);
}

TEST(MetricsServer, BusyPortIsAClearError) {
  MetricsRegistry registry;
  auto first = MetricsServer::start({"127.0.0.1", 0}, registry);
  ASSERT_TRUE(first.ok());
  const std::uint16_t port = (*first)->port();
  auto second = MetricsServer::start({"127.0.0.1", port}, registry);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().category, ErrorCategory::kInvalidInput);
  EXPECT_NE(second.error().message.find("127.0.0.1:" + std::to_string(port)), std::string::npos);
  EXPECT_NE(second.error().message.find("already in use"), std::string::npos)
      << second.error().message;
}

TEST(ListenAddress, NeedsAHostAndAPort) {
  auto good = config::parse_listen_address("127.0.0.1:9184");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->host, "127.0.0.1");
  EXPECT_EQ(good->port, 9184);
  EXPECT_EQ(config::parse_listen_address("localhost:80")->host, "127.0.0.1");
  EXPECT_TRUE(config::parse_listen_address("0.0.0.0:9184").ok());  // written out: allowed
  for (const char* bad : {"9184", ":9184", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
                          "127.0.0.1:70000", "example.com:9184", "127.0.0.1:91x"}) {
    auto parsed = config::parse_listen_address(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_NE(parsed.error().message.find("HOST:PORT"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace imgsync::notify
