// Sync's metadata step in worker processes (issue 14), against the test server: the whole corpus
// synced with the pool gives the very Items and metadata of a sync that reads in its own process
// (--metadata-jobs 1); a worker that crashes or hangs on a file costs that file's metadata alone,
// never its upload.
#include <gtest/gtest.h>

#include <unistd.h>
#include <csignal>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "app/sync_service.h"
#include "catalog/journal_store.h"
#include "config/s3_uri.h"
#include "media/metadata_extractor.h"
#include "media/metadata_json.h"
#include "media/metadata_worker_pool.h"
#include "sync_fixture.h"

namespace imgsync::testing {
namespace {

// What one sync left in its journal, per file, with its destination's prefix taken out of every
// key and Item (and the Items' "created", the time they were made).
struct Archived {
  std::string state, name, object_key, item_key, metadata_json, item_json;
};

std::string without_prefix(std::string text, const std::string& prefix) {
  for (std::size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at)) {
    text.replace(at, prefix.size(), "PREFIX");
  }
  return text;
}

std::map<std::string, Archived> archived(const std::filesystem::path& state,
                                         const std::string& prefix) {
  auto journal = catalog::JournalStore::open(state);
  EXPECT_TRUE(journal.ok());
  std::map<std::string, Archived> by_path;
  if (!journal.ok()) return by_path;
  auto records = journal->all();
  EXPECT_TRUE(records.ok());
  for (const auto& record : *records) {
    Archived entry{.state = std::string(catalog::to_string(record.state)),
                   .name = record.name,
                   .object_key = without_prefix(record.object_key, prefix),
                   .item_key = without_prefix(record.item_key, prefix),
                   .metadata_json = record.metadata_json,
                   .item_json = {}};
    auto capture = journal->capture_by_name(record.name);
    EXPECT_TRUE(capture.ok() && capture->has_value()) << record.path;
    if (capture.ok() && capture->has_value()) {
      auto item = nlohmann::json::parse((*capture)->item_json);
      item["properties"].erase("created");
      entry.item_json = without_prefix(item.dump(), prefix);
    }
    by_path[record.path] = std::move(entry);
  }
  return by_path;
}

TEST_F(SyncTest, CorpusSyncedWithMetadataWorkersMatchesOneProcess) {
  IMGSYNC_REQUIRE_CORPUS();
  const auto corpus = corpus_dir() / "images";
  std::map<std::string, std::map<std::string, Archived>> runs;
  for (const std::string jobs : {"1", "2"}) {
    const std::string prefix = "metadata-jobs-" + jobs;
    const auto state_dir = scratch_.path() / ("state-" + jobs);
    auto run = imgsync({"sync", corpus.string(), "--to", "s3://" + bucket() + "/" + prefix,
                        "--state-dir", state_dir.string(), "--json", "--jobs", "16",
                        "--no-thumbnails", "--metadata-jobs", jobs});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_GT(summary_of(run.out)["uploaded"].get<int>(), 300);
    runs[jobs] = archived(state_dir, prefix);
    auto listed = client().list_all_objects(bucket(), prefix + "/");
    ASSERT_TRUE(listed.ok());
    std::set<std::string> keys;
    for (const auto& object : *listed) keys.insert(object.key);
    for (const auto& [path, entry] : runs[jobs]) {
      EXPECT_EQ(entry.state, "uploaded") << path;
      for (const std::string* key : {&entry.object_key, &entry.item_key}) {
        ASSERT_TRUE(key->starts_with("PREFIX/")) << *key;
        EXPECT_TRUE(keys.count(prefix + key->substr(6))) << *key << " is not on the bucket";
      }
    }
  }
  const auto& one = runs["1"];
  const auto& pooled = runs["2"];
  ASSERT_EQ(one.size(), pooled.size());
  for (const auto& [path, entry] : one) {
    const auto found = pooled.find(path);
    ASSERT_NE(found, pooled.end()) << path;
    EXPECT_EQ(found->second.name, entry.name) << path;
    EXPECT_EQ(found->second.object_key, entry.object_key) << path;
    EXPECT_EQ(found->second.item_key, entry.item_key) << path;
    EXPECT_EQ(found->second.metadata_json, entry.metadata_json) << path;
    EXPECT_EQ(found->second.item_json, entry.item_json) << path;
  }
}

// In this process, so the pool's test hook (before_read) can make a worker crash on one file
// and hang on another.
TEST_F(SyncTest, AMetadataWorkerThatCrashesOrHangsCostsOnlyThatFilesMetadata) {
  const auto photos = make_photos(8);
  const auto crash = photos[2], hang = photos[5];
  auto pool = media::MetadataWorkerPool::start(
      {.workers = 2,
       .mode = media::ExtractionMode::kArchivable,
       .with_md5 = true,
       .per_file_limit = std::chrono::milliseconds(500),
       .before_read = [crash, hang](const std::filesystem::path& file) {
         if (file == crash) std::abort();
         if (file == hang) ::pause();
       }});
  ASSERT_TRUE(pool.ok()) << pool.error().message;

  config::AppConfig config;
  auto target = config::parse_s3_uri(destination());
  ASSERT_TRUE(target.ok());
  config.destination = *target;
  config::SourceFolder folder;
  folder.path = source();
  config.sources.push_back(folder);
  config.state_dir = state();
  config.thumbnails.enabled = false;
  auto journal = catalog::JournalStore::open(state());
  ASSERT_TRUE(journal.ok()) << journal.error().message;
  app::SyncService service(config, *journal, client());
  std::map<std::string, std::string> warnings;
  service.on_event = [&warnings](const app::SyncEvent& event) {
    if (event.kind == app::SyncEvent::Kind::kMetadataWarning) warnings[event.path] = event.error;
  };
  app::SyncOptions options;
  options.metadata_pool = pool->get();
  auto report = service.run(options);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->uploaded, 8);
  EXPECT_EQ(report->failed, 0);
  EXPECT_EQ(report->items_failed, 0);
  EXPECT_EQ(report->metadata_warnings, 2);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[crash.string()].find("the metadata reader crashed on this file (signal 6)"),
            std::string::npos)
      << warnings[crash.string()];
  EXPECT_NE(warnings[hang.string()].find("reading the metadata took longer than 0.5 s"),
            std::string::npos)
      << warnings[hang.string()];

  for (const auto& photo : photos) {
    auto record = journal->find(photo.string());
    ASSERT_TRUE(record.ok() && record->has_value()) << photo;
    EXPECT_EQ((*record)->state, catalog::FileState::kUploaded) << photo;
    FileDigests digests;
    auto here = media::extract_archivable_metadata(photo, &digests);
    ASSERT_TRUE(here.ok());
    EXPECT_EQ((*record)->sha256, here->sha256) << photo;
    auto head = client().head_object(bucket(), (*record)->object_key);
    ASSERT_TRUE(head.ok()) << (*record)->object_key;
    EXPECT_EQ(head->metadata["imgsync-sha256"], here->sha256);
    const auto metadata = nlohmann::json::parse((*record)->metadata_json);
    if (photo != crash && photo != hang) {
      EXPECT_EQ((*record)->metadata_json, media::metadata_to_json(*here).dump()) << photo;
      continue;
    }
    // Archived with what every file has (size, hashes, type, file time) and why the rest is not.
    EXPECT_EQ(metadata["metadata_status"], "unreadable") << metadata.dump();
    auto item = client().get_object({bucket(), (*record)->item_key, {}, {}});
    ASSERT_TRUE(item.ok()) << (*record)->item_key;
    const auto properties = nlohmann::json::parse(item->body)["properties"];
    EXPECT_EQ(properties["imgsync:metadata_status"], "unreadable") << item->body;
    EXPECT_NE(item->body.find(photo == crash ? "crashed on this file" : "took longer than"),
              std::string::npos)
        << item->body;
  }
}

// The processes whose parent is `parent` (from /proc), and whether `pid` is alive (not a zombie).
std::vector<int> children_of(int parent) {
  std::vector<int> children;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // pid (comm) state ppid ...: comm may hold spaces, so parse after its closing parenthesis.
    std::istringstream rest(line.substr(line.rfind(')') + 1));
    char state = 0;
    int ppid = 0;
    if (rest >> state >> ppid && ppid == parent && state != 'Z')
      children.push_back(std::stoi(name));
  }
  return children;
}

bool alive(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  return line.substr(line.rfind(')') + 2, 1) != "Z";
}

// The daemon's metadata workers: one that gets SIGTERM ignores it (the daemon decides what a stop
// means), one killed outright is replaced, and the next files get their full metadata.
TEST_F(ImgsyncCliTest, WatchReplacesAMetadataWorkerThatDied) {
  using namespace std::chrono_literals;
  ScratchDir scratch("imgsync-watch-workers");
  const auto source = scratch.path() / "incoming";
  std::filesystem::create_directories(source);
  const auto state = scratch.path() / "state";
  ChildProcess daemon(
      imgsync_binary(),
      {"watch", source.string(), "--to", "s3://" + bucket() + "/w", "--state-dir", state.string(),
       "--json", "--settle", "0.3", "--metadata-jobs", "2", "--no-thumbnails"},
      imgsync_env(), unset_env());
  auto await_upload = [&daemon]() -> std::string {
    while (auto line = daemon.read_line(60s)) {
      auto event = nlohmann::json::parse(*line);
      if (event.value("event", "") == "uploaded") return event["path"];
    }
    return "";
  };
  const std::string jpeg = read_file(source_dir() / "samples" / "DSCN0042.jpg");
  write_file(source / "first.jpg", jpeg + "first");
  ASSERT_EQ(await_upload(), (source / "first.jpg").string());

  const auto spawners = children_of(daemon.pid());
  ASSERT_EQ(spawners.size(), 1u) << "the daemon's one child starts the workers";
  const auto workers = children_of(spawners[0]);
  ASSERT_EQ(workers.size(), 2u);
  ::kill(workers[0], SIGTERM);
  ::kill(workers[1], SIGKILL);

  for (int i = 0; i < 4; ++i) {
    const auto path = source / ("next-" + std::to_string(i) + ".jpg");
    write_file(path, jpeg + "next-" + std::to_string(i));
    ASSERT_EQ(await_upload(), path.string());
  }
  EXPECT_TRUE(alive(workers[0])) << "SIGTERM is the daemon's to act on, not a worker's";
  EXPECT_EQ(children_of(spawners[0]).size(), 2u) << "the killed worker was replaced";
  auto journal = catalog::JournalStore::open(state);
  ASSERT_TRUE(journal.ok());
  auto records = journal->all();
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 5u);
  for (const auto& record : *records) {
    auto here = media::extract_archivable_metadata(record.path);
    ASSERT_TRUE(here.ok());
    EXPECT_EQ(record.metadata_json, media::metadata_to_json(*here).dump()) << record.path;
  }

  daemon.send_signal(SIGTERM);
  while (daemon.read_line(30s)) {
  }
  EXPECT_EQ(daemon.wait(), 0);
  for (int polls = 0; polls < 300 && (alive(spawners[0]) || alive(workers[0])); ++polls) {
    std::this_thread::sleep_for(10ms);  // the kernel's SIGKILL to the orphans is asynchronous
  }
  EXPECT_FALSE(alive(spawners[0])) << "the spawner ends with the daemon";
  EXPECT_FALSE(alive(workers[0])) << "the workers end with their spawner";
}

}  // namespace
}  // namespace imgsync::testing
