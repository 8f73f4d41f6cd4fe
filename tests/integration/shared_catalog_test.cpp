// Many machines, one archive: three writers (three state directories) sync and watch into one
// bucket at the same time with --share-catalog; a fourth machine's `index pull` then finds every
// Item exactly once, a second pull reads only the new segment, and a compaction while a writer
// keeps appending loses nothing (a fifth machine pulls the snapshot plus what came after).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "dated_photos.h"
#include "imgsync_cli_fixture.h"
#include "support/http_get.h"
#include "util/gzip.h"

namespace imgsync::testing {
namespace {

const auto* const kServer = ::testing::AddGlobalTestEnvironment(new S3ServerEnvironment);
using nlohmann::json;

class SharedCatalogTest : public ImgsyncCliTest {
 protected:
  std::string destination() const { return "s3://" + bucket() + "/team"; }
  std::filesystem::path machine(int n) const {
    return scratch_.path() / ("machine" + std::to_string(n));
  }
  std::filesystem::path source(int writer) const {
    return scratch_.path() / ("photos" + std::to_string(writer));
  }

  // `count` JPEGs named w<writer>_<n>.jpg, each with its own capture time.
  std::set<std::string> add_photos(int writer, int first, int count) {
    auto stems =
        write_dated_jpegs(source(writer), fmt::format("w{}_", writer), writer + 1, first, count, 1);
    return {stems.begin(), stems.end()};
  }

  ProcessResult sync(int writer) {
    return imgsync({"sync", source(writer).string(), "--to", destination(), "--state-dir",
                    machine(writer).string(), "--no-thumbnails", "--share-catalog", "--json"});
  }
  ProcessResult watch_once(int writer) {
    return imgsync({"watch", source(writer).string(), "--to", destination(), "--state-dir",
                    machine(writer).string(), "--no-thumbnails", "--share-catalog",
                    "--catalog-interval", "0.2", "--once", "--settle", "0"});
  }
  json pull(int n) {
    auto run = imgsync(
        {"index", "pull", "--to", destination(), "--state-dir", machine(n).string(), "--json"});
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    return summary_of(run.out);
  }
  // Every Item id the machine's index holds, with how often search lists it.
  std::multiset<std::string> indexed(int n) {
    auto run = imgsync(
        {"search", "--destination", destination(), "--state-dir", machine(n).string(), "--json"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    std::multiset<std::string> ids;
    for (const auto& item : json_lines(run.out)) ids.insert(item["id"].get<std::string>());
    return ids;
  }
  std::vector<std::string> segments() {
    auto listed = client().list_all_objects(bucket(), "team/catalog/items/");
    EXPECT_TRUE(listed.ok());
    std::vector<std::string> keys;
    for (const auto& object : *listed) keys.push_back(object.key);
    return keys;
  }
  // The Items in the bucket (metadata/<...>/<id>.json), each once.
  std::multiset<std::string> in_bucket() {
    auto listed = client().list_all_objects(bucket(), "team/metadata/");
    EXPECT_TRUE(listed.ok());
    std::multiset<std::string> ids;
    for (const auto& object : *listed) {
      if (object.key.ends_with(".json")) ids.insert(std::filesystem::path(object.key).stem());
    }
    return ids;
  }

  // The ids /search lists (one page of up to 100), empty when the server does not answer yet.
  static std::multiset<std::string> searched(const std::string& base) {
    const auto answer = http_get(base + "/search?limit=100");
    std::multiset<std::string> ids;
    if (answer.status != 200) return ids;
    const json page = json::parse(answer.body);
    for (const auto& feature : page["features"]) {
      ids.insert(feature["id"].get<std::string>());
    }
    return ids;
  }
  // Polls /search until it lists exactly `expected` (true), or 60 s pass (false).
  static bool search_shows(const std::string& base, const std::multiset<std::string>& expected) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (searched(base) == expected) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the poll's pace
    }
    std::string wanted, found;
    for (const auto& id : expected) wanted += id + " ";
    for (const auto& id : searched(base)) found += id + " ";
    ADD_FAILURE() << "/search lists " << found << "instead of " << wanted;
    return false;
  }

  ScratchDir scratch_{"imgsync-shared-catalog"};
};

TEST_F(SharedCatalogTest, ThreeWritersPullCompactAndLoseNothing) {
  std::set<std::string> all;
  for (int writer = 1; writer <= 3; ++writer) all.merge(add_photos(writer, 0, 12));

  // Three writers at once: two syncs and a watch.
  std::vector<ProcessResult> runs(3);
  {
    std::thread first([&] { runs[0] = sync(1); });
    std::thread second([&] { runs[1] = sync(2); });
    std::thread third([&] { runs[2] = watch_once(3); });
    first.join();
    second.join();
    third.join();
  }
  for (const auto& run : runs) ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto written = segments();
  ASSERT_GE(written.size(), 3u);
  std::set<std::string> writers;
  for (const auto& key : written) {
    writers.insert(key.substr(20, key.find('/', 20) - 20));  // team/catalog/items/<writer>/
    EXPECT_TRUE(key.ends_with(".ndjson.gz")) << key;
  }
  EXPECT_EQ(writers.size(), 3u);
  {  // a segment is gzip'd NDJSON of STAC Items with collection, updated and s3:// hrefs
    auto object = client().get_object({bucket(), written.front(), {}, {}});
    ASSERT_TRUE(object.ok());
    int lines = 0;
    ASSERT_TRUE(for_each_gzip_line(std::string_view(object->body), [&](std::string_view line) {
                  const json item = json::parse(line);
                  EXPECT_EQ(item["collection"], "team");
                  EXPECT_TRUE(item["properties"].contains("updated"));
                  EXPECT_TRUE(item["assets"]["enhanced"]["href"].get<std::string>().starts_with(
                      "s3://" + bucket() + "/team/"));
                  ++lines;
                  return Status{};
                }).ok());
    EXPECT_GT(lines, 0);
  }

  // A fourth machine finds every Item exactly once.
  json first_pull = pull(4);
  EXPECT_EQ(first_pull["added"], all.size());
  EXPECT_EQ(in_bucket().size(), all.size());
  EXPECT_EQ(first_pull["segments"], written.size());
  EXPECT_EQ(indexed(4), in_bucket());

  // New uploads: the next pull reads only the new segment.
  all.merge(add_photos(1, 100, 3));
  ASSERT_EQ(sync(1).exit_code, 0);
  json second_pull = pull(4);
  EXPECT_EQ(second_pull["segments"], 1);
  EXPECT_EQ(second_pull["added"], 3);
  EXPECT_EQ(indexed(4), in_bucket());
  EXPECT_EQ(pull(4)["segments"], 0);  // nothing new: nothing read

  // Compaction while writer 2 keeps uploading: nothing is lost.
  all.merge(add_photos(2, 200, 10));
  ProcessResult compacted, appended;
  {
    std::thread compact([&] {
      compacted = imgsync({"catalog", "compact", "--to", destination(), "--state-dir",
                           machine(4).string(), "--json"});
    });
    std::thread writer([&] { appended = sync(2); });
    compact.join();
    writer.join();
  }
  ASSERT_EQ(compacted.exit_code, 0) << compacted.out << compacted.err;
  ASSERT_EQ(appended.exit_code, 0) << appended.out << appended.err;
  EXPECT_GT(summary_of(compacted.out)["segments_retired"].get<int>(), 0);
  json fresh = pull(5);
  EXPECT_TRUE(fresh["snapshot"].get<bool>());
  EXPECT_EQ(indexed(5), in_bucket());
  pull(4);
  EXPECT_EQ(indexed(4), in_bucket());
  // A second compaction while nobody writes retires every segment; a new machine still sees all.
  auto again = imgsync(
      {"catalog", "compact", "--to", destination(), "--state-dir", machine(4).string(), "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(segments().empty());
  pull(6);
  EXPECT_EQ(indexed(6), in_bucket());
}

TEST_F(SharedCatalogTest, ALiveLeaseRefusesASecondCompaction) {
  auto put = client().put_object(
      {bucket(),
       "team/catalog/compact.lease",
       s3::Body::from_string(
           json{{"owner", "elsewhere"}, {"expires_ms", 99'999'999'999'999}}.dump()),
       {},
       false});
  ASSERT_TRUE(put.ok());
  auto run =
      imgsync({"catalog", "compact", "--to", destination(), "--state-dir", machine(1).string()});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("elsewhere is compacting"), std::string::npos) << run.err;
  ASSERT_TRUE(client().delete_object(bucket(), "team/catalog/compact.lease").ok());
}

// A running `serve --pull-every` shows what another machine syncs afterwards, without a restart.
TEST_F(SharedCatalogTest, ServePullsOnAnIntervalAndShowsASecondWritersItems) {
  add_photos(1, 0, 3);
  ASSERT_EQ(sync(1).exit_code, 0);
  const int port = free_loopback_port();
  ChildProcess serve(imgsync_binary(),
                     {"serve", "--listen", fmt::format("127.0.0.1:{}", port), "--destination",
                      destination(), "--state-dir", machine(7).string(), "--asset-urls", "public",
                      "--pull-every", "1s", "--threads", "2"},
                     imgsync_env(), unset_env());
  const std::string base = fmt::format("http://127.0.0.1:{}", port);
  const auto first = in_bucket();
  ASSERT_EQ(first.size(), 3u);
  EXPECT_TRUE(search_shows(base, first)) << "serve's first pull did not show writer 1's Items";

  // A second machine syncs while serve runs: its Items appear at a later pull.
  add_photos(2, 0, 2);
  ASSERT_EQ(sync(2).exit_code, 0);
  const auto both = in_bucket();
  ASSERT_EQ(both.size(), 5u);
  EXPECT_TRUE(search_shows(base, both)) << "writer 2's Items never reached the running serve";
  serve.send_signal(SIGTERM);
  EXPECT_EQ(serve.wait(), 0);
}

// watch --pull-every brings other machines' Items into the watching machine's own index.
TEST_F(SharedCatalogTest, WatchPullsOtherMachinesItemsIntoItsIndex) {
  add_photos(2, 0, 2);
  ASSERT_EQ(sync(2).exit_code, 0);
  add_photos(1, 0, 1);
  auto run = imgsync({"watch", source(1).string(), "--to", destination(), "--state-dir",
                      machine(1).string(), "--no-thumbnails", "--once", "--settle", "0",
                      "--pull-every", "1h"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(indexed(1), in_bucket());  // writer 2's two Items (pulled) and its own one
  EXPECT_EQ(in_bucket().size(), 3u);
  auto bad = imgsync({"watch", source(1).string(), "--to", destination(), "--state-dir",
                      machine(1).string(), "--once", "--pull-every", "soon"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("--pull-every \"soon\""), std::string::npos) << bad.err;
}

// `index rebuild` reads the shared catalog in place of a GET per Item, but only where a line is
// byte for byte the object the listing shows: an Item edited behind the catalog's back is
// fetched (its new content indexed), a deleted one is not indexed although the catalog has it,
// and a damaged catalog object costs only speed (its Items are fetched, a note says so).
TEST_F(SharedCatalogTest, RebuildTakesFromTheCatalogOnlyWhatTheBucketHoldsByteForByte) {
  add_photos(1, 0, 6);
  ASSERT_EQ(sync(1).exit_code, 0);
  auto items = client().list_all_objects(bucket(), "team/metadata/");
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 6u);
  const std::string edited_key = (*items)[0].key, deleted_key = (*items)[1].key;
  auto stored = client().get_object({bucket(), edited_key, {}, {}});
  ASSERT_TRUE(stored.ok());
  json edited = json::parse(stored->body);
  edited["properties"]["title"] = "edited elsewhere";
  ASSERT_TRUE(
      client()
          .put_object({bucket(), edited_key, s3::Body::from_string(edited.dump(2)), {}, false})
          .ok());
  ASSERT_TRUE(client().delete_object(bucket(), deleted_key).ok());

  auto rebuild = [&](int n) {
    auto run = imgsync(
        {"index", "rebuild", "--to", destination(), "--state-dir", machine(n).string(), "--json"});
    EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
    return std::pair(summary_of(run.out), run.err);
  };
  auto [summary, err] = rebuild(8);
  EXPECT_EQ(summary["indexed"], 5) << summary;
  EXPECT_EQ(summary["from_catalog"], 4) << summary;  // all but the edited one
  EXPECT_EQ(summary["failed"], 0);
  EXPECT_EQ(indexed(8), in_bucket());
  auto search = imgsync(
      {"search", "--destination", destination(), "--state-dir", machine(8).string(), "--json"});
  int titled = 0;
  for (const auto& item : json_lines(search.out)) {
    titled += item["properties"].value("title", "") == "edited elsewhere" ? 1 : 0;
  }
  EXPECT_EQ(titled, 1) << search.out;

  const std::string damaged =
      "team/catalog/items/ffffffffffffffff/0000000000000001-0000000000000009.ndjson.gz";
  ASSERT_TRUE(
      client().put_object({bucket(), damaged, s3::Body::from_string("not gzip"), {}, false}).ok());
  auto [after, note] = rebuild(9);
  EXPECT_EQ(after["indexed"], 5) << after;
  EXPECT_EQ(after["from_catalog"], 4) << after;
  EXPECT_EQ(indexed(9), in_bucket());
  EXPECT_NE(note.find("1 object(s) of the shared catalog"), std::string::npos) << note;
}

}  // namespace
}  // namespace imgsync::testing
