// A team on one shared PostgreSQL catalog (--catalog): two writers sync into one bucket at once
// and a third machine's search and `imgsync serve` see every Item exactly once; a watch rides
// out the database stopping and starting again and loses nothing; `index migrate` copies a
// local index. Real servers on loopback: Ceph RGW (S3) and PostgreSQL + PostGIS.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <csignal>
#include <set>
#include <thread>

#include "catalog/pg_item_index.h"
#include "dated_photos.h"
#include "imgsync_cli_fixture.h"
#include "support/http_get.h"
#include "support/pg_server.h"

namespace imgsync::testing {
namespace {

const auto* const kS3 = ::testing::AddGlobalTestEnvironment(new S3ServerEnvironment);
const auto* const kPg = ::testing::AddGlobalTestEnvironment(new PgServerEnvironment);
using nlohmann::json;
using namespace std::chrono_literals;

class PgCatalogTest : public ImgsyncCliTest {
 protected:
  // The bucket's prefix names the collection; unique per test, so tests share one database.
  std::string prefix() const { return unique_collection(); }
  std::string destination() const { return "s3://" + bucket() + "/" + prefix(); }
  std::filesystem::path machine(int n) const {
    return scratch_.path() / ("machine" + std::to_string(n));
  }
  std::filesystem::path source(int writer) const {
    return scratch_.path() / ("photos" + std::to_string(writer));
  }

  // `count` JPEGs named pg<writer>_<n>.jpg, each with its own capture time; the ids of their
  // Items (imgsync_pg<writer>-<n>_<date>, the default name template).
  std::set<std::string> add_photos(int writer, int first, int count) {
    write_dated_jpegs(source(writer), fmt::format("pg{}_", writer), writer + 2, first, count, 7);
    std::set<std::string> names;
    for (int n = first; n < first + count; ++n) {
      names.insert(fmt::format("imgsync_pg{}-{}_20260{}{:02}", writer, n, writer + 2, 1 + n % 28));
    }
    return names;
  }

  std::vector<std::string> with_catalog(std::vector<std::string> arguments,
                                        const std::string& url) const {
    arguments.insert(arguments.end(), {"--catalog", url});
    return arguments;
  }
  // The ids search lists, each as often as it lists it.
  std::multiset<std::string> searched(int machine_number, const std::string& url) {
    auto run = imgsync(with_catalog({"search", "--to", destination(), "--state-dir",
                                     machine(machine_number).string(), "--json"},
                                    url));
    EXPECT_EQ(run.exit_code, 0) << run.err;
    std::multiset<std::string> ids;
    for (const auto& item : json_lines(run.out)) ids.insert(item["id"].get<std::string>());
    return ids;
  }
  // The catalog's Items of this test's collection, straight from the database.
  std::set<std::string> in_catalog(const std::string& url) {
    auto index = catalog::PgItemIndex::open(
        {.target = {.url = url, .password = ""}, .collection = prefix()});
    EXPECT_TRUE(index.ok()) << index.error().message;
    std::set<std::string> ids;
    if (!index.ok()) return ids;
    EXPECT_TRUE(
        (*index)
            ->for_each_item([&](const std::string& id, const std::string&, const std::string&) {
              ids.insert(id);
              return Status{};
            })
            .ok());
    return ids;
  }
  // Polls the catalog until it holds `expected` (two minutes at most); what it held last.
  std::set<std::string> await_catalog(const std::string& url,
                                      const std::set<std::string>& expected) {
    std::set<std::string> held;
    for (int polls = 0; polls < 600; ++polls) {
      held = in_catalog(url);
      if (held == expected) break;
      std::this_thread::sleep_for(200ms);
    }
    return held;
  }

  ScratchDir scratch_{"imgsync-pg-catalog"};
};

TEST_F(PgCatalogTest, TwoWritersAndServeShareOneCatalog) {
  const std::string url = PgServerEnvironment::info().url;
  std::set<std::string> all = add_photos(1, 0, 10);
  all.merge(add_photos(2, 0, 10));
  std::vector<ProcessResult> runs(2);
  {
    auto sync = [&](int writer) {
      runs[writer - 1] = imgsync(
          with_catalog({"sync", source(writer).string(), "--to", destination(), "--state-dir",
                        machine(writer).string(), "--no-thumbnails", "--json"},
                       url));
    };
    std::thread first(sync, 1), second(sync, 2);
    first.join();
    second.join();
  }
  for (const auto& run : runs) ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(in_catalog(url), all);

  // A third machine, with no index of its own: search and serve read the shared catalog.
  const auto found = searched(3, url);
  EXPECT_EQ(std::set<std::string>(found.begin(), found.end()), all);
  EXPECT_EQ(found.size(), all.size());  // each once

  const int port = free_loopback_port();
  ChildProcess serve(
      imgsync_binary(),
      with_catalog({"serve", "--to", destination(), "--state-dir", machine(3).string(), "--listen",
                    "127.0.0.1:" + std::to_string(port)},
                   url),
      imgsync_env(), unset_env());
  const std::string search_url =
      fmt::format("http://127.0.0.1:{}/search?limit=100&sortby=%2Bid", port);
  HttpGetResult answer;
  for (int polls = 0; polls < 300 && answer.status != 200; ++polls) {
    answer = http_get(search_url);
    if (answer.status != 200) std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(answer.status, 200) << answer.body;
  std::vector<std::string> served;
  const json page = json::parse(answer.body);
  for (const auto& feature : page["features"]) served.push_back(feature["id"]);
  EXPECT_EQ(served, std::vector<std::string>(all.begin(), all.end())) << answer.body;
  serve.send_signal(SIGTERM);
  EXPECT_EQ(serve.wait(), 0);

  // Syncing again changes nothing: the same Items, merged by `updated`, each still once.
  auto again = imgsync(with_catalog({"sync", source(1).string(), "--to", destination(),
                                     "--state-dir", machine(1).string(), "--no-thumbnails"},
                                    url));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(searched(3, url).size(), all.size());
}

// The database stops while watch uploads, and starts again: the uploads go on, the Items wait
// in the local index, and once the catalog is back every one of them is there.
TEST_F(PgCatalogTest, WatchLosesNothingWhileTheDatabaseRestarts) {
  OwnPgServer database;
  ASSERT_EQ(database.failure(), "");
  const std::string url = database.info().url;
  std::filesystem::create_directories(source(1));
  const auto log = scratch_.path() / "watch.log";
  ChildProcess watch(imgsync_binary(),
                     with_catalog({"--log-file", log.string(), "watch", source(1).string(), "--to",
                                   destination(), "--state-dir", machine(1).string(),
                                   "--no-thumbnails", "--settle", "0", "--json"},
                                  url),
                     imgsync_env(), unset_env());
  // Polls the log until it holds `text` (two minutes at most).
  auto await_log = [&](const std::string& text) {
    for (int polls = 0; polls < 600; ++polls) {
      if (std::filesystem::exists(log) && read_file(log).find(text) != std::string::npos) {
        return true;
      }
      std::this_thread::sleep_for(200ms);
    }
    return false;
  };
  auto await_uploads = [&](int count) {
    int uploaded = 0;
    while (uploaded < count) {
      auto line = watch.read_line(120s);
      if (!line) break;
      if (json::parse(*line).value("event", "") == "uploaded") ++uploaded;
    }
    return uploaded;
  };
  // What the daemon said, for a failure's message: why it stopped short is in there.
  auto said = [&] {
    return "\nwatch log:\n" + (std::filesystem::exists(log) ? read_file(log) : std::string());
  };
  std::set<std::string> all = add_photos(1, 0, 5);
  ASSERT_EQ(await_uploads(5), 5) << said();
  ASSERT_EQ(await_catalog(url, all), all) << said();

  ASSERT_TRUE(database.halt());
  all.merge(add_photos(1, 5, 5));
  ASSERT_EQ(await_uploads(5), 5) << said();  // S3 is fine: uploads go on without the catalog
  ASSERT_TRUE(await_log("catalog_paused")) << said();  // the forwarder met the outage and waits
  ASSERT_TRUE(database.restart());
  EXPECT_EQ(await_catalog(url, all), all) << said();
  EXPECT_TRUE(await_log("catalog_resumed")) << said();

  all.merge(add_photos(1, 10, 2));  // and the next ones go straight through again
  ASSERT_EQ(await_uploads(2), 2) << said();
  EXPECT_EQ(await_catalog(url, all), all) << said();
  watch.send_signal(SIGTERM);
  while (watch.read_line(60s)) {
  }
  EXPECT_EQ(watch.wait(), 0) << said();
}

// A machine that indexed alone copies its index into the catalog; twice is harmless.
TEST_F(PgCatalogTest, MigrateCopiesTheLocalIndex) {
  const std::string url = PgServerEnvironment::info().url;
  const auto all = add_photos(1, 0, 8);
  auto sync = imgsync({"sync", source(1).string(), "--to", destination(), "--state-dir",
                       machine(1).string(), "--no-thumbnails"});
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  EXPECT_TRUE(in_catalog(url).empty());
  for (int round = 0; round < 2; ++round) {
    auto migrated = imgsync({"index", "migrate", "--to", destination(), "--state-dir",
                             machine(1).string(), "--to-catalog", url, "--json"});
    ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
    const auto summary = summary_of(migrated.out);
    EXPECT_EQ(summary["written"], round == 0 ? 8 : 0) << summary.dump();
    EXPECT_EQ(summary["kept"], round == 0 ? 0 : 8) << summary.dump();
  }
  EXPECT_EQ(in_catalog(url), all);
  auto refused =
      imgsync({"index", "migrate", "--to", destination(), "--state-dir", machine(1).string(),
               "--to-catalog", "postgresql://imgsync:Hunter2Secret@127.0.0.1:1/imgsync"});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_EQ(refused.err.find("Hunter2Secret"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("holds a password"), std::string::npos) << refused.err;
}

}  // namespace
}  // namespace imgsync::testing
