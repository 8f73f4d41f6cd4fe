// Sync engine v2 end to end: state per destination, the overwrite rule, collisions settled
// against the bucket (two journals on one bucket), repair after verify, refusals that stop a run,
// vanished files, one daemon per journal, pairing by capture time, dry runs that plan exactly.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "catalog/sqlite_database.h"
#include "sync_fixture.h"
#include "util/hashing.h"

namespace imgsync::testing {
namespace {

std::string sample(const std::string& name) {
  return read_file(source_dir() / "samples" / name);
}

class SyncDestinationsTest : public SyncTest {
 protected:
  std::string other_bucket() {
    const std::string name = bucket() + "-b";
    if (!created_other_) {
      EXPECT_TRUE(client().create_bucket(name).ok());
      created_other_ = true;
    }
    return name;
  }
  // The object's bytes, read back.
  std::string body_of(const std::string& bucket_name, const std::string& key) {
    auto object = client().get_object({bucket_name, key, {}, {}});
    EXPECT_TRUE(object.ok()) << key;
    return object.ok() ? object->body : std::string();
  }
  std::vector<std::string> keys_under(const std::string& bucket_name, const std::string& prefix) {
    std::vector<std::string> keys;
    auto listed = client().list_all_objects(bucket_name, prefix);
    EXPECT_TRUE(listed.ok());
    if (listed.ok()) {
      for (const auto& object : *listed) keys.push_back(object.key);
    }
    return keys;
  }
  bool created_other_ = false;
};

TEST_F(SyncDestinationsTest, AnotherDestinationGetsEveryFileFromTheSameJournal) {
  make_photos(3);
  ASSERT_EQ(sync().exit_code, 0);
  // Another bucket, same journal: nothing is "unchanged" there.
  const std::string b = "s3://" + other_bucket() + "/p";
  auto run =
      imgsync({"sync", source().string(), "--to", b, "--state-dir", state().string(), "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(summary_of(run.out)["uploaded"], 3);
  EXPECT_EQ(summary_of(run.out)["unchanged"], 0);
  // Prefixes that the old state-folder rule folded together are distinct destinations too.
  const std::string c = "s3://" + other_bucket() + "/p_q";
  const std::string d = "s3://" + other_bucket() + "/p/q";
  for (const auto& target : {c, d}) {
    auto again = imgsync(
        {"sync", source().string(), "--to", target, "--state-dir", state().string(), "--json"});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(summary_of(again.out)["uploaded"], 3) << target;
  }
  // Each destination holds its three images, Items and thumbnails.
  for (const std::string prefix : {"p/enhanced/", "p_q/enhanced/", "p/q/enhanced/"}) {
    EXPECT_EQ(keys_under(other_bucket(), prefix).size(), 3u) << prefix;
  }
  EXPECT_EQ(keys_under(bucket(), "field/enhanced/").size(), 3u);
  // And each is unchanged on its own next run.
  auto repeat =
      imgsync({"sync", source().string(), "--to", b, "--state-dir", state().string(), "--json"});
  EXPECT_EQ(summary_of(repeat.out)["unchanged"], 3);
  auto first = sync();
  EXPECT_EQ(summary_of(first.out)["unchanged"], 3);
}

TEST_F(SyncDestinationsTest, PendingFileOfAFailedRunGoesUnderTheNewPrefix) {
  make_photos(2);
  // The first destination refuses (wrong secret): the files stay pending there.
  auto refused = imgsync(sync_args(source()), {{"AWS_SECRET_ACCESS_KEY", "wrong-secret-000000"}});
  ASSERT_EQ(refused.exit_code, 3) << refused.err;
  auto moved = imgsync({"sync", source().string(), "--to", "s3://" + bucket() + "/moved",
                        "--state-dir", state().string(), "--json"});
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  for (const auto& key : keys_under(bucket(), "")) {
    EXPECT_EQ(key.rfind("moved/", 0), 0u) << key << " is outside the new prefix";
  }
  EXPECT_EQ(keys_under(bucket(), "moved/metadata/").size(), 2u);
}

// A journal written by the previous release (schema 1, no destinations) is migrated in place and
// adopted by the destination that holds its objects; another destination starts from scratch.
TEST_F(SyncDestinationsTest, JournalOfThePreviousReleaseIsMigratedAndAdopted) {
  make_photos(4);
  ASSERT_EQ(sync().exit_code, 0);
  {  // Rewrite the journal as schema 1 wrote it.
    auto database = catalog::Database::open(state() / "journal.sqlite");
    ASSERT_TRUE(database.ok());
    ASSERT_TRUE(database
                    ->execute(R"sql(
CREATE TABLE files1 AS SELECT path, source, kind, size, mtime_ns, inode, sha256, name, object_key,
  item_key, state, attempts, last_error, error_category, upload_id, part_size, metadata, updated_at
  FROM files;
CREATE TABLE captures1 AS SELECT name, pair_key, owner_sha256, item_key, item_sha256, date_path,
  item_json FROM captures;
DROP TABLE files; DROP TABLE captures; DROP TABLE parts;
ALTER TABLE files1 RENAME TO files; ALTER TABLE captures1 RENAME TO captures;
CREATE TABLE parts (path TEXT NOT NULL, upload_id TEXT NOT NULL, part_number INTEGER NOT NULL,
  etag TEXT NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (path, upload_id, part_number));
CREATE INDEX files_by_state ON files(state);
PRAGMA user_version = 1;
)sql")
                    .ok());
  }
  // Another destination first: the old rows are not its own.
  auto elsewhere = imgsync({"sync", source().string(), "--to", "s3://" + bucket() + "/elsewhere",
                            "--state-dir", state().string(), "--json"});
  ASSERT_EQ(elsewhere.exit_code, 0) << elsewhere.err;
  EXPECT_EQ(summary_of(elsewhere.out)["uploaded"], 4);
  // The original destination adopts them: nothing to upload.
  auto adopted = sync();
  ASSERT_EQ(adopted.exit_code, 0) << adopted.err;
  EXPECT_EQ(summary_of(adopted.out)["unchanged"], 4);
  EXPECT_EQ(summary_of(adopted.out)["uploaded"], 0);
  bool noted = false;
  for (const auto& line : json_lines(adopted.out)) {
    noted = noted || (line.value("event", "") == "note" &&
                      line.value("message", "").find("adopted") != std::string::npos);
  }
  EXPECT_TRUE(noted) << adopted.out;
  EXPECT_EQ(verify(true).exit_code, 0);
}

// An edit whose re-upload is killed at any point goes through on the next run: the object at
// the key is imgsync's own earlier version (or already the new one).
TEST_F(SyncDestinationsTest, EditKilledDuringItsReuploadGoesThroughNextTime) {
  const std::vector<std::string> multipart{
      "--jobs", "1", "--part-size", "5MiB", "--multipart-threshold", "5MiB", "--no-thumbnails"};
  const auto big = source() / "big.jpg";
  write_file(big, big_jpeg(30, 11));
  write_file(source() / "small.jpg", sample("DSCN0042.jpg") + "v1");
  ASSERT_EQ(sync(multipart).exit_code, 0);
  unsigned seed = 20;
  // Kill after the n-th event of the re-upload (0: before any), six points.
  for (int kill_after : {0, 1, 2, 3, 5, 8}) {
    const std::string edited = big_jpeg(30, ++seed);
    write_file(big, edited);
    write_file(source() / "small.jpg", sample("DSCN0042.jpg") + "v" + std::to_string(seed));
    {
      ChildProcess child(imgsync_binary(), sync_args(source(), multipart), imgsync_env(),
                         unset_env());
      for (int seen = 0; seen < kill_after; ++seen) {
        if (!child.read_line()) break;
      }
      child.kill_hard();
      child.wait();
    }
    auto next = sync(multipart);
    ASSERT_EQ(next.exit_code, 0) << "killed after " << kill_after << ": " << next.err;
    auto record = journal().find(big.string());
    ASSERT_TRUE(record.ok() && record->has_value());
    EXPECT_EQ(body_of(bucket(), (*record)->object_key), edited) << kill_after;
    auto small = journal().find((source() / "small.jpg").string());
    ASSERT_TRUE(small.ok() && small->has_value());
    EXPECT_EQ(body_of(bucket(), (*small)->object_key), read_file(source() / "small.jpg"));
  }
  EXPECT_EQ(objects().size(), 4u);  // two images and their Items: edits replaced, never doubled
  EXPECT_EQ(verify(true).exit_code, 0);
}

// Two machines (two journals) with same-named files of other content, small and multipart, at
// the same time: every file archived once under its own name, nothing overwritten, and the same
// names again on a repeat.
TEST_F(SyncDestinationsTest, TwoJournalsOnOneBucketNeverOverwriteEachOther) {
  const std::vector<std::string> flags{"--part-size", "5MiB",   "--multipart-threshold",
                                       "5MiB",        "--jobs", "4"};
  std::map<std::string, std::filesystem::path> machines;
  for (const std::string machine : {"a", "b"}) {
    const auto folder = scratch_.path() / ("machine-" + machine);
    for (int i = 0; i < 4; ++i) {
      write_file(folder / ("IMG_000" + std::to_string(i) + ".jpg"),
                 sample("DSCN0010.jpg") + machine + std::to_string(i));
    }
    write_file(folder / "BIG.jpg", big_jpeg(12, machine == "a" ? 101 : 202));
    machines[machine] = folder;
  }
  auto args_for = [&](const std::string& machine) {
    return std::vector<std::string>{"sync",
                                    machines[machine].string(),
                                    "--to",
                                    destination(),
                                    "--state-dir",
                                    (scratch_.path() / ("state-" + machine)).string(),
                                    "--json",
                                    "--part-size",
                                    "5MiB",
                                    "--multipart-threshold",
                                    "5MiB",
                                    "--jobs",
                                    "4"};
  };
  {
    ChildProcess a(imgsync_binary(), args_for("a"), imgsync_env(), unset_env());
    ChildProcess b(imgsync_binary(), args_for("b"), imgsync_env(), unset_env());
    EXPECT_EQ(a.wait(), 0);
    EXPECT_EQ(b.wait(), 0);
  }
  std::map<std::string, std::string> owner_of_key;
  std::map<std::string, std::string> names;
  for (const std::string machine : {"a", "b"}) {
    auto store = catalog::JournalStore::open(scratch_.path() / ("state-" + machine));
    ASSERT_TRUE(store.ok());
    auto records = store->all();
    ASSERT_TRUE(records.ok());
    ASSERT_EQ(records->size(), 5u);
    for (const auto& record : *records) {
      EXPECT_EQ(record.state, catalog::FileState::kUploaded) << record.path;
      EXPECT_EQ(body_of(bucket(), record.object_key), read_file(record.path)) << record.path;
      EXPECT_TRUE(owner_of_key.emplace(record.object_key, machine).second)
          << record.object_key << " is claimed by both machines";
      names[record.path] = record.object_key;
    }
  }
  // Half of the names are the plain ones, half took the hash-suffixed next name.
  int suffixed = 0;
  for (const auto& [path, key] : names) suffixed += key.find("_20081022_") != std::string::npos;
  EXPECT_EQ(suffixed, 5);
  // A repeat changes nothing and names nothing anew.
  for (const std::string machine : {"a", "b"}) {
    auto again = run_process(imgsync_binary(), args_for(machine), imgsync_env(), unset_env());
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(summary_of(again.out)["unchanged"], 5);
  }
  EXPECT_TRUE(client().list_multipart_uploads(bucket())->empty());
}

TEST_F(SyncDestinationsTest, VerifyQueuesWhatIsMissingOrAlteredAndSyncRepairsIt) {
  make_photos(3);
  ASSERT_EQ(sync().exit_code, 0);
  auto records = journal().all();
  ASSERT_TRUE(records.ok() && records->size() == 3);
  const auto& deleted = (*records)[0];
  const auto& altered = (*records)[1];
  ASSERT_TRUE(client().delete_object(bucket(), deleted.object_key).ok());
  // Altered in place, its metadata kept: only --deep sees it.
  s3::ObjectAttributes attributes;
  attributes.metadata["imgsync-sha256"] = altered.sha256;
  ASSERT_TRUE(
      client()
          .put_object({bucket(), altered.object_key, s3::Body::from_string("garbage"), attributes})
          .ok());
  auto checked = verify(true);
  EXPECT_EQ(checked.exit_code, 1);
  EXPECT_EQ(summary_of(checked.out)["queued_for_repair"], 2) << checked.out;
  auto repaired = sync();
  ASSERT_EQ(repaired.exit_code, 0) << repaired.err;
  EXPECT_EQ(summary_of(repaired.out)["uploaded"], 2);
  EXPECT_EQ(body_of(bucket(), deleted.object_key), read_file(deleted.path));
  EXPECT_EQ(body_of(bucket(), altered.object_key), read_file(altered.path));
  EXPECT_EQ(verify(true).exit_code, 0);
}

TEST_F(SyncDestinationsTest, ARequestEveryFileGetsRefusedStopsTheRunWithoutMarkingFilesDamaged) {
  make_photos(6);
  auto refused = sync({"--storage-class", "NO_SUCH_CLASS", "--jobs", "1"});
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  EXPECT_NE(refused.err.find("storage_class"), std::string::npos) << refused.err;
  auto status =
      imgsync({"status", "--to", destination(), "--state-dir", state().string(), "--json"});
  for (const auto& failed : nlohmann::json::parse(status.out)["failed"]) {
    EXPECT_NE(failed["category"], "invalid-input") << failed.dump();
  }
  auto fixed = sync();
  ASSERT_EQ(fixed.exit_code, 0) << fixed.err;
  EXPECT_EQ(summary_of(fixed.out)["uploaded"], 6);
  EXPECT_EQ(summary_of(fixed.out)["failed_earlier"], 0);
}

TEST_F(SyncDestinationsTest, PendingFilesGoneFromDiskLeaveTheJournalOnce) {
  const auto photos = make_photos(3);
  // Handed over (pending in the journal), then deleted before any run took it.
  auto enqueued = imgsync(
      {"enqueue", photos[0].string(), "--to", destination(), "--state-dir", state().string()});
  ASSERT_EQ(enqueued.exit_code, 0) << enqueued.err;
  std::filesystem::remove(photos[0]);
  auto run = sync();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(summary_of(run.out)["vanished"], 1);
  EXPECT_EQ(summary_of(run.out)["uploaded"], 2);
  auto again = sync();
  EXPECT_EQ(summary_of(again.out)["vanished"], 0);
  auto status =
      imgsync({"status", "--to", destination(), "--state-dir", state().string(), "--json"});
  EXPECT_EQ(status.exit_code, 0) << status.out;
  EXPECT_EQ(nlohmann::json::parse(status.out)["counts"].value("pending", 0), 0);
}

TEST_F(SyncDestinationsTest, ASecondDaemonOnOneJournalIsRefusedNamingTheFirst) {
  make_photos(1);
  ChildProcess first(imgsync_binary(),
                     {"watch", source().string(), "--to", destination(), "--state-dir",
                      state().string(), "--json", "--settle", "0.2"},
                     imgsync_env(), unset_env());
  // The first daemon announces its upload: it holds the journal by then.
  bool uploaded = false;
  while (auto line = first.read_line(std::chrono::seconds(60))) {
    if (nlohmann::json::parse(*line).value("event", "") == "uploaded") {
      uploaded = true;
      break;
    }
  }
  ASSERT_TRUE(uploaded);
  auto second = imgsync({"watch", source().string(), "--to", destination(), "--state-dir",
                         state().string(), "--once"});
  EXPECT_EQ(second.exit_code, 2);
  EXPECT_NE(second.err.find("already watched by imgsync watch (pid"), std::string::npos)
      << second.err;
  first.send_signal(SIGTERM);
  EXPECT_EQ(first.wait(), 0);
  // Once it is gone, the next daemon runs.
  auto third = imgsync({"watch", source().string(), "--to", destination(), "--state-dir",
                        state().string(), "--once"});
  EXPECT_EQ(third.exit_code, 0) << third.err;
}

TEST_F(SyncDestinationsTest, RawAndEnhancedPairOnlyWhenTheirCaptureTimesAgree) {
  const auto raw = scratch_.path() / "raw";
  const auto enhanced = scratch_.path() / "enhanced";
  write_file(raw / "IMG_1.jpg", sample("FurnaceCreekInn.jpg"));    // 2008-05-08
  write_file(enhanced / "IMG_1.jpg", sample("Kodak_CX7530.jpg"));  // 2005-08-13: another shot
  write_file(raw / "IMG_2.jpg", sample("DSCN0010.jpg"));
  write_file(enhanced / "IMG_2.jpg", sample("DSCN0010.jpg") + "edited");  // same capture
  const std::vector<std::string> args{"sync",  enhanced.string(), "--raw",       raw.string(),
                                      "--to",  destination(),     "--state-dir", state().string(),
                                      "--json"};
  // The dry run plans exactly what the run does.
  auto dry_args = args;
  dry_args.push_back("--dry-run");
  auto dry = imgsync(dry_args);
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  std::map<std::string, std::string> planned, uploaded;
  for (const auto& line : json_lines(dry.out)) {
    if (line.value("event", "") == "planned") planned[line["path"]] = line["key"];
  }
  auto run = imgsync(args);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const auto& line : json_lines(run.out)) {
    if (line.value("event", "") == "uploaded") uploaded[line["path"]] = line["key"];
  }
  EXPECT_EQ(planned, uploaded);
  EXPECT_EQ(keys_under(bucket(), "field/metadata/").size(), 3u);  // three captures, three Items
  auto one = journal().find((raw / "IMG_1.jpg").string());
  auto other = journal().find((enhanced / "IMG_1.jpg").string());
  ASSERT_TRUE(one.ok() && one->has_value() && other.ok() && other->has_value());
  EXPECT_NE((*one)->name, (*other)->name);
  auto pair_raw = journal().find((raw / "IMG_2.jpg").string());
  auto pair_enhanced = journal().find((enhanced / "IMG_2.jpg").string());
  ASSERT_TRUE(pair_raw.ok() && pair_raw->has_value());
  ASSERT_TRUE(pair_enhanced.ok() && pair_enhanced->has_value());
  EXPECT_EQ((*pair_raw)->name, (*pair_enhanced)->name);
}

TEST_F(SyncDestinationsTest, SameBytesInTwoFoldersKeepBothAssets) {
  const auto raw = scratch_.path() / "raw";
  const auto enhanced = scratch_.path() / "enhanced";
  write_file(raw / "a" / "shot.jpg", sample("DSCN0038.jpg"));
  write_file(enhanced / "b" / "shot.jpg", sample("DSCN0038.jpg"));
  auto run = imgsync({"sync", enhanced.string(), "--raw", raw.string(), "--to", destination(),
                      "--state-dir", state().string(), "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto record = journal().find((raw / "a" / "shot.jpg").string());
  ASSERT_TRUE(record.ok() && record->has_value());
  auto item = nlohmann::json::parse(body_of(bucket(), (*record)->item_key));
  EXPECT_TRUE(item["assets"].contains("raw")) << item.dump();
  EXPECT_TRUE(item["assets"].contains("enhanced")) << item.dump();
}

// Two machines with the same bytes on one prefix: each finds the name's claim naming its content,
// so both hold the capture. Machine "full" has its raw and enhanced files, machine "part" only
// the enhanced bytes (in another folder; its Item is created at another time). Whichever
// writes the Item second, the bucket's Item names every asset of both, neither overwrites the
// other's, and each machine's verify finds its Item sound (the second adopts it).
TEST_F(SyncDestinationsTest, TwoMachinesWithTheSameBytesShareOneItem) {
  const std::string bytes = sample("DSCN0038.jpg");
  write_file(scratch_.path() / "full-raw" / "a" / "shot.jpg", bytes);
  write_file(scratch_.path() / "full-enhanced" / "b" / "shot.jpg", bytes);
  write_file(scratch_.path() / "part-enhanced" / "c" / "shot.jpg", bytes);
  for (const bool full_first : {true, false}) {
    const std::string prefix = full_first ? "full-first" : "part-first";
    const std::string to = "s3://" + bucket() + "/" + prefix;
    auto state_of = [&](const std::string& machine) {
      return scratch_.path() / (prefix + "-state-" + machine);
    };
    auto args_for = [&](const std::string& machine, const std::string& command) {
      std::vector<std::string> args{command, "--to", to, "--state-dir", state_of(machine).string(),
                                    "--json"};
      if (command != "sync") return args;
      args.insert(args.begin() + 1, (scratch_.path() / (machine + "-enhanced")).string());
      if (machine == "full") {
        args.insert(args.end(), {"--raw", (scratch_.path() / "full-raw").string()});
      }
      return args;
    };
    for (const std::string& machine : full_first ? std::vector<std::string>{"full", "part"}
                                                 : std::vector<std::string>{"part", "full"}) {
      auto run = imgsync(args_for(machine, "sync"));
      ASSERT_EQ(run.exit_code, 0) << prefix << " " << machine << ": " << run.err;
    }
    std::string item_key;
    for (const std::string machine : {"full", "part"}) {
      auto store = catalog::JournalStore::open(state_of(machine));
      ASSERT_TRUE(store.ok());
      auto records = store->all();
      ASSERT_TRUE(records.ok() && !records->empty());
      EXPECT_TRUE(item_key.empty() || item_key == records->front().item_key) << prefix;
      item_key = records->front().item_key;
    }
    const std::string stored = body_of(bucket(), item_key);
    auto item = nlohmann::json::parse(stored);
    for (const char* slot : {"raw", "enhanced", "thumbnail"}) {
      EXPECT_TRUE(item["assets"].contains(slot)) << prefix << ": no " << slot << " in " << stored;
    }
    for (const std::string machine : {"full", "part"}) {
      // Each journal holds the Item the bucket holds: verify finds nothing to repair (the
      // second writer of "full-first" adopted the first's Item when its own wrote nothing new;
      // the first writer of "part-first" adopts the Item the second extended).
      auto verified = imgsync(args_for(machine, "verify"));
      EXPECT_EQ(verified.exit_code, 0) << prefix << " " << machine << ": " << verified.out;
      EXPECT_EQ(summary_of(verified.out)["problems"], 0) << prefix << " " << machine;
      auto capture = catalog::JournalStore::open(state_of(machine))
                         ->capture_by_name(item["id"].get<std::string>());
      ASSERT_TRUE(capture.ok() && capture->has_value()) << prefix << " " << machine;
      EXPECT_EQ((*capture)->item_json, stored) << prefix << " " << machine;
      // And a repeat sends no Item: neither rewrites the other's.
      auto again = imgsync(args_for(machine, "sync"));
      EXPECT_EQ(again.exit_code, 0) << again.err;
      EXPECT_EQ(summary_of(again.out)["items_uploaded"], 0) << prefix << " " << machine;
    }
    EXPECT_EQ(body_of(bucket(), item_key), stored) << prefix;
  }
}

TEST_F(SyncDestinationsTest, ResumeReadsEveryPageOfListParts) {
  write_file(source() / "big.jpg", big_jpeg(40, 5));
  const std::vector<std::string> multipart{
      "--jobs", "1", "--part-size", "5MiB", "--multipart-threshold", "5MiB", "--no-thumbnails"};
  {
    ChildProcess child(imgsync_binary(), sync_args(source(), multipart), imgsync_env(),
                       unset_env());
    int parts = 0;
    while (auto line = child.read_line()) {
      if (nlohmann::json::parse(*line).value("event", "") == "part_uploaded" && ++parts == 5) break;
    }
    child.kill_hard();
    child.wait();
  }
  // Two parts per ListParts page: the five parts on the server take three pages.
  auto resumed = imgsync(sync_args(source(), multipart), {{"IMGSYNC_TEST_LIST_PARTS_PAGE", "2"}});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_GE(summary_of(resumed.out)["parts_reused"].get<int>(), 5);
  EXPECT_EQ(verify(true).exit_code, 0);
}

TEST_F(SyncDestinationsTest, SameSizeRewriteThatKeepsItsMtimeIsNeverCompletedTorn) {
  const auto file = source() / "rewritten.jpg";
  write_file(file, big_jpeg(60, 31));
  const std::vector<std::string> multipart{
      "--jobs", "1", "--part-size", "5MiB", "--multipart-threshold", "5MiB", "--no-thumbnails"};
  const std::string new_content = big_jpeg(60, 32);
  {
    ChildProcess child(imgsync_binary(), sync_args(source(), multipart), imgsync_env(),
                       unset_env());
    while (auto line = child.read_line()) {
      if (nlohmann::json::parse(*line).value("event", "") == "part_uploaded") {
        const auto mtime = std::filesystem::last_write_time(file);
        write_file(file, new_content);  // same size, new content, the old mtime restored
        std::filesystem::last_write_time(file, mtime);
        break;
      }
    }
    EXPECT_EQ(child.wait(), 1);
  }
  auto record = journal().find(file.string());
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_NE((*record)->state, catalog::FileState::kUploaded);
  EXPECT_FALSE(client().head_object(bucket(), (*record)->object_key).ok());
  auto again = sync(multipart);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(body_of(bucket(), (*record)->object_key), new_content);
}

}  // namespace
}  // namespace imgsync::testing
