// `imgsync watch --metrics`: a scrape of /metrics agrees with what the daemon said it uploaded,
// /healthz follows the queue from running (200) to paused (503) and back, and a taken port is a
// clear usage error.
#include <gtest/gtest.h>
#include <signal.h>

#include <cmath>
#include <optional>
#include <sstream>
#include <thread>

#include "imgsync_cli_fixture.h"
#include "support/http_get.h"

namespace imgsync::testing {
namespace {

using namespace std::chrono_literals;

// The value of one sample line ("name{labels} value") of a scrape; -1 when absent.
double sample(const std::string& scrape, const std::string& series) {
  std::istringstream lines(scrape);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

// Polls GET url every 100 ms until it answers `status` (the event), giving up after `limit`
// worth of polls; the last answer.
HttpGetResult await_status(const std::string& url, long status, std::chrono::seconds limit) {
  auto answer = http_get(url);
  for (auto polls = limit / 100ms; answer.status != status && polls > 0; --polls) {
    std::this_thread::sleep_for(100ms);
    answer = http_get(url);
  }
  return answer;
}

double unix_seconds(std::chrono::system_clock::time_point when) {
  return std::chrono::duration<double>(when.time_since_epoch()).count();
}

class WatchMetricsTest : public ImgsyncCliTest {
 protected:
  std::filesystem::path source() const { return scratch_.path() / "incoming"; }
  std::vector<std::string> watch_args(const std::string& metrics) const {
    return {"watch",       source().string(),
            "--to",        "s3://" + bucket() + "/m",
            "--state-dir", (scratch_.path() / "state").string(),
            "--json",      "--settle",
            "0.3",         "--metrics",
            metrics};
  }
  std::string image(int salt) const {
    return read_file(source_dir() / "samples" / "DSCN0042.jpg") + "salt-" + std::to_string(salt);
  }
  ScratchDir scratch_{"imgsync-metrics"};
};

// Stops the gateway: on a server of its own, not the one other cases share.
const bool kMetricsCaseHasItsOwnServer =
    own_server_for("WatchMetricsTest.ScrapeMatchesUploadsAndHealthFollowsThePausedQueue");

TEST_F(WatchMetricsTest, ScrapeMatchesUploadsAndHealthFollowsThePausedQueue) {
  std::filesystem::create_directories(source());
  const std::string address = "127.0.0.1:" + std::to_string(free_loopback_port());
  auto environment = imgsync_env();
  environment["AWS_MAX_ATTEMPTS"] = "2";  // the outage outlasts the retries: the queue pauses
  const auto daemon_started = std::chrono::system_clock::now();
  ChildProcess daemon(imgsync_binary(), watch_args(address), environment, unset_env());
  std::uint64_t bytes = 0;
  for (int i = 0; i < 3; ++i) {
    const std::string data = image(i);
    bytes += data.size();
    write_file(source() / ("m_" + std::to_string(i) + ".jpg"), data);
  }
  int uploaded = 0;
  std::uint64_t reported_bytes = 0;
  while (uploaded < 3) {
    auto line = daemon.read_line(60s);
    ASSERT_TRUE(line) << "the daemon went quiet";
    auto event = nlohmann::json::parse(*line);
    if (event.value("event", "") != "uploaded") continue;
    ++uploaded;
    reported_bytes += event.value("bytes", std::uint64_t{0});
  }
  EXPECT_EQ(reported_bytes, bytes);
  // The thumbnails trail the images, and each Item goes up again naming its thumbnail. The pass
  // is over once every Item in the bucket names one; stopping the gateway earlier would pause
  // the queue on a trailing thumbnail, not on the next file. Checked after each Item upload.
  auto items_name_thumbnails = [&] {
    auto listed = client().list_all_objects(bucket(), "m/metadata/");
    if (!listed.ok() || listed->size() != 3) return false;
    for (const auto& object : *listed) {
      auto item = client().get_object({bucket(), object.key, {}, {}});
      if (!item.ok()) return false;
      auto json = nlohmann::json::parse(item->body, nullptr, false);
      if (!json.is_object() || !json["assets"].contains("thumbnail")) return false;
    }
    return true;
  };
  while (!items_name_thumbnails()) {
    std::optional<std::string> line;
    do {
      line = daemon.read_line(60s);
      ASSERT_TRUE(line) << "the daemon went quiet before the Items named their thumbnails";
    } while (nlohmann::json::parse(*line).value("event", "") != "item_uploaded");
  }

  const std::string base = "http://" + address;
  auto scrape = http_get(base + "/metrics");
  ASSERT_EQ(scrape.status, 200);
  EXPECT_EQ(scrape.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(sample(scrape.body, "imgsync_uploaded_files_total"), 3) << scrape.body;
  EXPECT_EQ(sample(scrape.body, "imgsync_uploaded_bytes_total"), static_cast<double>(bytes));
  EXPECT_EQ(sample(scrape.body, "imgsync_upload_duration_seconds_count"), 3);
  EXPECT_EQ(sample(scrape.body, "imgsync_upload_duration_seconds_bucket{le=\"+Inf\"}"), 3);
  EXPECT_GT(sample(scrape.body, "imgsync_upload_duration_seconds_sum"), 0);
  EXPECT_EQ(sample(scrape.body, "imgsync_failures_total{category=\"local-io\"}"), 0);
  EXPECT_EQ(sample(scrape.body, "imgsync_paused"), 0);
  // The last success lies between the daemon's start and this scrape (wall-clock seconds).
  const double last_success = sample(scrape.body, "imgsync_last_success_timestamp_seconds");
  EXPECT_GE(last_success, std::floor(unix_seconds(daemon_started)));
  EXPECT_LE(last_success, std::ceil(unix_seconds(std::chrono::system_clock::now())));
  auto health = http_get(base + "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  EXPECT_EQ(http_get(base + "/").status, 404);
  EXPECT_EQ(http_get(base + "/metrics", "POST").status, 405);

  // The gateway goes away: the next file's upload fails its retries and the queue pauses.
  const std::string script = (source_dir() / "scripts/s3-server").string();
  ASSERT_EQ(
      std::system(("'" + script + "' gateway-stop '" + server().directory.string() + "'").c_str()),
      0);
  write_file(source() / "during.jpg", image(99));
  auto paused = await_status(base + "/healthz", 503, 90s);
  EXPECT_EQ(paused.status, 503);
  EXPECT_EQ(paused.body.rfind("paused: ", 0), 0u) << paused.body;
  auto paused_scrape = http_get(base + "/metrics");
  EXPECT_EQ(sample(paused_scrape.body, "imgsync_paused"), 1);
  EXPECT_GE(sample(paused_scrape.body, "imgsync_queue_depth"), 1);    // during.jpg waits
  EXPECT_GE(sample(paused_scrape.body, "imgsync_retries_total"), 1);  // the failed attempts
  ASSERT_EQ(
      std::system(("'" + script + "' gateway-start '" + server().directory.string() + "'").c_str()),
      0);
  EXPECT_EQ(await_status(base + "/healthz", 200, 120s).status, 200);
  auto polls = 120s / 100ms;  // a bound on the polls below, so that a stuck daemon fails
  double files = 0;
  while ((files = sample(http_get(base + "/metrics").body, "imgsync_uploaded_files_total")) < 4 &&
         --polls > 0) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(files, 4);
  double depth = -1;
  while ((depth = sample(http_get(base + "/metrics").body, "imgsync_queue_depth")) != 0 &&
         --polls > 0) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(depth, 0);
  daemon.send_signal(SIGTERM);
  EXPECT_EQ(daemon.wait(), 0);
  EXPECT_EQ(http_get(base + "/healthz").status, 0);  // the server stopped with the daemon
}

TEST_F(WatchMetricsTest, TakenPortIsAUsageErrorNamingTheFlagAndPort) {
  std::filesystem::create_directories(source());
  SilentListener holder;
  ASSERT_GT(holder.port(), 0);
  const std::string port = std::to_string(holder.port());
  auto run = imgsync(watch_args("127.0.0.1:" + port));
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("--metrics"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("port " + port + " is already in use"), std::string::npos) << run.err;

  // The same from imgsync.toml names the key instead of the flag.
  write_file(scratch_.path() / "imgsync.toml",
             "destination = \"s3://" + bucket() + "/m\"\n[[source]]\npath = \"incoming\"\n" +
                 "[watch]\nmetrics = \"127.0.0.1:" + port + "\"\n");
  auto from_file = imgsync({"watch", "--config", (scratch_.path() / "imgsync.toml").string()});
  EXPECT_EQ(from_file.exit_code, 2) << from_file.err;
  EXPECT_NE(from_file.err.find("[watch] metrics: cannot serve metrics on 127.0.0.1:" + port),
            std::string::npos)
      << from_file.err;

  auto bad = imgsync(watch_args("9184"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("HOST:PORT"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace imgsync::testing
