// One test per row of docs/errors.md that no other test covers end to end: the built imgsync
// against the real server, with the answer of each failure class forced by the FaultProxy where
// the server cannot be made to give it. Each checks the category, what the run does, the exit
// code and the message. docs/errors.md ("Where each row is tested") maps every row to its test.
#include <sqlite3.h>

#include "fault_fixture.h"

namespace imgsync::testing {
namespace {

using namespace std::chrono_literals;

class ErrorClassTest : public FaultFixture {
 protected:
  void SetUp() override {
    FaultFixture::SetUp();
    make_files(6, 0);
  }

  nlohmann::json status_report() {
    auto status =
        imgsync({"status", "--to", destination(), "--state-dir", state().string(), "--json"});
    auto report = nlohmann::json::parse(status.out, nullptr, false);
    EXPECT_FALSE(report.is_discarded()) << status.out << status.err;
    return report;
  }
  // The run stopped for the destination: nothing failed, what was not done stays to do.
  void expect_stopped_with_nothing_failed() {
    auto report = status_report();
    EXPECT_EQ(report["counts"].value("failed", 0), 0) << report.dump();
    EXPECT_LT(report["counts"].value("uploaded", 0), file_count()) << report.dump();
  }
  // Every file failed in this run with `category`, and is recorded so.
  void expect_all_failed(const ProcessResult& run, const std::string& category) {
    EXPECT_EQ(run.exit_code, 1) << run.err.substr(0, 3000);
    EXPECT_EQ(summary_of(run.out)["failed"], file_count());
    const auto failures = logged(run.err, "failed");
    EXPECT_EQ(static_cast<int>(failures.size()), file_count());
    for (const auto& failure : failures) EXPECT_EQ(failure.value("category", ""), category);
    auto report = status_report();
    ASSERT_EQ(report["failed"].size(), files_.size());
    for (const auto& failed : report["failed"]) EXPECT_EQ(failed["category"], category);
  }
  // Runs sync again without faults (or `retry --all-failed`, which also takes the failures a
  // sync skips until their file changes): everything arrives, exactly once.
  void expect_next_sync_finishes(bool all_failed = false) {
    with_faults({});  // the faults are gone
    auto args = sync_args();
    if (all_failed) args.front() = "retry", args.insert(args.begin() + 1, "--all-failed");
    auto next = imgsync(args);
    EXPECT_EQ(next.exit_code, 0) << next.err.substr(0, 3000);
    expect_exactly_once("", {}, 0, 0);
  }
};

// TLS certificate not trusted: fatal, not retried; the run stops, exit 3, naming the CA bundle.
TEST_F(ErrorClassTest, UntrustedCertificateStopsTheRunNamingTheCaBundle) {
  auto run = run_process(imgsync_binary(), sync_args(), imgsync_env("https://" + server().tls_host),
                         unset_env());
  EXPECT_EQ(run.exit_code, 3) << run.err.substr(0, 3000);
  EXPECT_NE(run.err.find("AWS_CA_BUNDLE"), std::string::npos) << run.err.substr(0, 3000);
  EXPECT_NE(run.err.find("--ca-bundle"), std::string::npos);
  EXPECT_TRUE(logged(run.err, "retry").empty());  // never retried
  const std::map<std::string, std::string> over_tls{
      {"AWS_ENDPOINT_URL", "https://" + server().tls_host},
      {"AWS_CA_BUNDLE", server().ca_bundle.string()}};
  auto report = nlohmann::json::parse(
      imgsync({"status", "--to", destination(), "--state-dir", state().string(), "--json"},
              over_tls)
          .out);
  EXPECT_EQ(report["counts"].value("failed", 0), 0) << report.dump();
  EXPECT_LT(report["counts"].value("uploaded", 0), file_count()) << report.dump();
  auto args = sync_args();
  args.insert(args.end(), {"--ca-bundle", server().ca_bundle.string()});
  auto trusted =
      run_process(imgsync_binary(), args, imgsync_env("https://" + server().tls_host), unset_env());
  EXPECT_EQ(trusted.exit_code, 0) << trusted.err.substr(0, 3000);
  expect_exactly_once("", {}, 0, 0, over_tls);
}

// 500 / 503 SlowDown that outlast the retries: the file fails (transient), exit 1; the next sync
// takes it again.
TEST_F(ErrorClassTest, ServerErrorsOutlastingTheRetriesFailTheFilesAndTheNextSyncRetriesThem) {
  struct Case {
    double FaultPolicy::*share;
    const char* category;
    const char* code;
  };
  for (const Case& c : {Case{&FaultPolicy::internal_error, "retryable", "InternalError"},
                        Case{&FaultPolicy::slow_down, "throttled", "SlowDown"}}) {
    SCOPED_TRACE(c.code);
    FaultPolicy policy;
    policy.*c.share = 1.0;
    policy.only_method = "PUT";
    FaultProxy& proxy = with_faults(policy);
    auto run = sync_via(proxy, {{"AWS_MAX_ATTEMPTS", "2"}});
    expect_all_failed(run, c.category);
    // Two attempts per file, each logged: one retry, then the failure.
    EXPECT_EQ(count_with(logged(run.err, "retry"), "s3_code", c.code), file_count());
    EXPECT_EQ(proxy.counters().faults(), 2 * file_count());
    for (const auto& failure : logged(run.err, "failed")) EXPECT_EQ(failure["s3_code"], c.code);
  }
  expect_next_sync_finishes();
}

// 403 SignatureDoesNotMatch / InvalidAccessKeyId / ExpiredToken / AccessDenied: auth, never
// retried; the run stops (exit 3) naming the key id, never the secret; nothing is failed.
TEST_F(ErrorClassTest, AuthFailuresStopTheRunNamingTheKeyIdButNeverTheSecret) {
  struct Case {
    const char* code;
    const char* says;
  };
  for (const Case& c :
       {Case{"SignatureDoesNotMatch", "AWS_SECRET_ACCESS_KEY"},
        Case{"InvalidAccessKeyId", "AWS_ACCESS_KEY_ID"}, Case{"ExpiredToken", "AWS_SESSION_TOKEN"},
        Case{"AccessDenied", "is not allowed to do"}}) {
    SCOPED_TRACE(c.code);
    FaultPolicy policy;
    policy.custom_error = 1.0;
    policy.custom_status = 403;
    policy.custom_code = c.code;
    FaultProxy& proxy = with_faults(policy);
    auto run = sync_via(proxy);
    EXPECT_EQ(run.exit_code, 3) << run.err.substr(0, 3000);
    EXPECT_NE(run.err.find(c.says), std::string::npos) << run.err.substr(0, 3000);
    if (std::string(c.code) != "ExpiredToken") {
      EXPECT_NE(run.err.find(server().access_key), std::string::npos);
    }
    EXPECT_EQ(run.err.find(server().secret_key), std::string::npos);
    EXPECT_EQ(run.out.find(server().secret_key), std::string::npos);
    EXPECT_TRUE(logged(run.err, "retry").empty());
    // The run stopped at the first answer instead of failing every file.
    EXPECT_LE(proxy.counters().custom_error, 8);  // at most the requests already in flight
    expect_stopped_with_nothing_failed();
  }
  expect_next_sync_finishes();
}

// The auth row seen from verify: a wrong secret ends it once, exit 3, naming the key id (never
// the secret), instead of one "MISMATCH ... not allowed" line per object and exit 1.
TEST_F(ErrorClassTest, VerifyWithAWrongSecretStopsOnceWithExit3) {
  with_faults({});
  auto synced = imgsync(sync_args(false));
  ASSERT_EQ(synced.exit_code, 0) << synced.err.substr(0, 3000);
  for (const bool deep : {false, true}) {
    SCOPED_TRACE(deep ? "--deep" : "HEAD");
    std::vector<std::string> args{"verify", "--to", destination(), "--state-dir", state().string()};
    if (deep) args.push_back("--deep");
    auto verified = imgsync(args, {{"AWS_SECRET_ACCESS_KEY", "wrong-secret-verify"}});
    EXPECT_EQ(verified.exit_code, 3) << verified.out << verified.err;
    EXPECT_EQ(verified.out.find("MISMATCH"), std::string::npos) << verified.out;
    EXPECT_NE(verified.err.find(server().access_key), std::string::npos) << verified.err;
    EXPECT_EQ(verified.err.find("wrong-secret-verify"), std::string::npos) << verified.err;
    EXPECT_EQ(verified.out.find("wrong-secret-verify"), std::string::npos) << verified.out;
  }
}

// 404 NoSuchBucket: not-found; the run stops, exit 3, saying how to create it.
TEST_F(ErrorClassTest, MissingBucketStopsTheRunSayingHowToCreateIt) {
  auto run = imgsync({"sync", source().string(), "--to", "s3://no-such-bucket-imgsync-e/p",
                      "--state-dir", state().string(), "--json"});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.err.find("imgsync init"), std::string::npos) << run.err;
  EXPECT_EQ(summary_of(run.out)["failed"], 0);
  // An honest ending: how much is left, that nothing is lost, and what to fix.
  const int pending = summary_of(run.out).value("pending", -1);
  EXPECT_GT(pending, 0) << run.out;
  EXPECT_NE(run.err.find("stopped: " + std::to_string(pending) +
                         " files pending, nothing lost; run again when the missing bucket "
                         "s3://no-such-bucket-imgsync-e"),
            std::string::npos)
      << run.err;
  // Without --json: no "the objects are in" a bucket that does not exist.
  auto human = imgsync({"sync", source().string(), "--to", "s3://no-such-bucket-imgsync-e/p",
                        "--state-dir", state().string()});
  EXPECT_EQ(human.exit_code, 3);
  EXPECT_EQ(human.out.find("the objects are in"), std::string::npos) << human.out;
  EXPECT_NE(human.err.find("files pending, nothing lost"), std::string::npos) << human.err;
}

// 400 InvalidArgument on every request: the request is wrong, not the files. Not retried; after
// a few identical refusals the run stops (exit 3) naming the server's message and the settings
// every upload carries; no file is marked damaged, and the next run (settings fixed) finishes.
TEST_F(ErrorClassTest, RequestsRefusedTheSameWayStopTheRunWithoutMarkingFilesDamaged) {
  FaultPolicy policy;
  policy.custom_error = 1.0;
  policy.custom_status = 400;
  policy.custom_code = "InvalidArgument";
  policy.custom_message = "Header x-amz-meta-thing is not acceptable";
  policy.only_method = "PUT";
  FaultProxy& proxy = with_faults(policy);
  auto run = sync_via(proxy);
  EXPECT_EQ(run.exit_code, 3) << run.err.substr(0, 3000);
  EXPECT_NE(run.err.find("x-amz-meta-thing is not acceptable"), std::string::npos)
      << run.err.substr(0, 3000);
  EXPECT_NE(run.err.find("storage_class"), std::string::npos) << run.err.substr(0, 3000);
  EXPECT_TRUE(logged(run.err, "retry").empty());
  EXPECT_LE(proxy.counters().custom_error, file_count());  // one attempt each, at most
  auto report = status_report();
  for (const auto& failed : report["failed"]) {
    EXPECT_NE(failed["category"], "invalid-input") << failed.dump();
  }
  with_faults({});
  auto again = imgsync(sync_args());
  EXPECT_EQ(again.exit_code, 0) << again.err.substr(0, 3000);
  EXPECT_EQ(summary_of(again.out)["failed_earlier"], 0);
  expect_exactly_once("", {}, 0, 0);
}

// BadDigest: integrity, retried once; then the file fails, and goes up again on the next run.
TEST_F(ErrorClassTest, IntegrityFailureIsRetriedOnceThenTheFileFails) {
  FaultPolicy policy;
  policy.custom_error = 1.0;
  policy.custom_code = "BadDigest";
  policy.custom_message = "The Content-MD5 you specified did not match what we received.";
  policy.only_method = "PUT";
  FaultProxy& proxy = with_faults(policy);
  auto run = sync_via(proxy);
  expect_all_failed(run, "integrity");
  EXPECT_EQ(proxy.counters().custom_error, 2 * file_count());
  EXPECT_EQ(count_with(logged(run.err, "retry"), "category", "integrity"), file_count());
  expect_next_sync_finishes();
}

// An ETag that does not match the local MD5 (the server stored other bytes than were sent):
// integrity; the file fails naming both, and the next run finds the object (If-None-Match and
// its sha256) or uploads it again.
TEST_F(ErrorClassTest, EtagNotMatchingTheLocalMd5FailsTheFileAsAnIntegrityError) {
  FaultPolicy policy;
  policy.replace_etag = "\"0123456789abcdef0123456789abcdef\"";
  policy.only_method = "PUT";
  FaultProxy& proxy = with_faults(policy);
  auto run = sync_via(proxy);
  expect_all_failed(run, "integrity");
  EXPECT_GE(proxy.counters().etag_replaced, file_count());
  for (const auto& failure : logged(run.err, "failed")) {
    EXPECT_NE(failure.value("message", "").find("ETag 0123456789abcdef0123456789abcdef"),
              std::string::npos)
        << failure.dump();
  }
  expect_next_sync_finishes();
}

// 412 PreconditionFailed: a different object under the key is never overwritten; the file takes
// its next name (the hash-suffix rule); identical ones count as already there.
TEST_F(ErrorClassTest, DifferentObjectUnderTheKeyIsNeverOverwritten) {
  ASSERT_EQ(imgsync(sync_args()).exit_code, 0);
  auto journal = catalog::JournalStore::open(state());
  ASSERT_TRUE(journal.ok());
  auto record = journal->find(files_[0].string());
  ASSERT_TRUE(record.ok() && record->has_value());
  const std::string key = (*record)->object_key;
  // Someone else's object under that key; and the journal is lost, so the next run must ask.
  ASSERT_TRUE(
      client().put_object({bucket(), key, s3::Body::from_string("not ours"), {}, false}).ok());
  std::filesystem::remove_all(state());
  auto run = imgsync(sync_args());
  EXPECT_EQ(run.exit_code, 0) << run.err.substr(0, 3000);
  auto summary = summary_of(run.out);
  EXPECT_EQ(summary["failed"], 0);
  EXPECT_EQ(summary["renamed"], 1);
  EXPECT_EQ(summary["already_there"], file_count() - 1);
  auto object = client().get_object({bucket(), key, {}, {}});
  ASSERT_TRUE(object.ok());
  EXPECT_EQ(object->body, "not ours");
  auto reopened = catalog::JournalStore::open(state());
  ASSERT_TRUE(reopened.ok());
  auto moved = reopened->find(files_[0].string());
  ASSERT_TRUE(moved.ok() && moved->has_value());
  EXPECT_NE((*moved)->object_key, key);
  auto stored = client().get_object({bucket(), (*moved)->object_key, {}, {}});
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->body, read_file(files_[0]));
}

// 404 NoSuchUpload: the multipart upload the journal remembers is gone; it starts again.
TEST_F(ErrorClassTest, VanishedMultipartUploadStartsAgainFromTheFirstPart) {
  make_files(0, 1);
  FaultProxy& proxy = with_faults({});
  {
    // One request at a time: the parts go up one after the other.
    Daemon run(sync_args(false, 1), env_via(proxy, {{"AWS_MAX_ATTEMPTS", "1"}}), unset_env());
    ASSERT_TRUE(proxy.wait_for([](const FaultCounters& c) { return c.parts_forwarded >= 1; }, 60s));
    proxy.refuse_connections(true);
    EXPECT_EQ(run.finish(), 3);
  }
  proxy.refuse_connections(false);
  auto uploads = client().list_multipart_uploads(bucket());
  ASSERT_TRUE(uploads.ok());
  ASSERT_EQ(uploads->size(), 1u);
  ASSERT_TRUE(
      client().abort_multipart_upload(bucket(), (*uploads)[0].key, (*uploads)[0].upload_id).ok());
  auto next = imgsync(sync_args());
  ASSERT_EQ(next.exit_code, 0) << next.err.substr(0, 3000);
  auto summary = summary_of(next.out);
  EXPECT_EQ(summary["parts_reused"], 0);
  EXPECT_EQ(summary["parts_uploaded"], 3);
  const auto notes = logged(next.err, "note");
  EXPECT_TRUE(std::any_of(notes.begin(), notes.end(), [](const nlohmann::json& note) {
    return note.value("message", "").find("gone from the server; starting over") !=
           std::string::npos;
  })) << next.err.substr(0, 3000);
  expect_exactly_once("", {}, 0, 0);
}

// Journal damaged: fatal; stops before anything, exit 2, saying to move it aside.
TEST_F(ErrorClassTest, DamagedJournalStopsWithExit2) {
  write_file(state() / "journal.sqlite", std::string(8192, 'x'));
  auto run = imgsync(sync_args());
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("move it aside"), std::string::npos) << run.err;
  auto listed = client().list_all_objects(bucket(), "");
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
}

// Journal locked by another process: waits (SQLite busy timeout, 10 s), then exit 2 saying so.
TEST_F(ErrorClassTest, LockedJournalWaitsThenStopsWithExit2) {
  ASSERT_EQ(imgsync(sync_args()).exit_code, 0);
  write_file(files_[0], read_file(files_[0]) + "changed");  // work to record
  sqlite3* holder = nullptr;
  ASSERT_EQ(sqlite3_open((state() / "journal.sqlite").c_str(), &holder), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(holder, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto run = imgsync(sync_args());  // how long it waits is SQLite's busy timeout: not timed here
  sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
  EXPECT_EQ(run.exit_code, 2) << run.err.substr(0, 3000);
  EXPECT_NE(run.err.find("another imgsync process holds the journal"), std::string::npos)
      << run.err.substr(0, 3000);
  expect_next_sync_finishes();
}

// Disk full in the state directory (here: a file size limit, which a full disk looks like to
// SQLite): the journal write fails and the run stops; nothing went up that is not recorded.
TEST_F(ErrorClassTest, FullStateDirectoryStopsTheRunBeforeUnrecordedUploads) {
  ASSERT_EQ(imgsync(sync_args()).exit_code, 0);
  make_files(150, 0, 6);
  std::uintmax_t largest = 0;
  for (const auto& entry : std::filesystem::directory_iterator(state())) {
    if (entry.is_regular_file()) largest = std::max(largest, entry.file_size());
  }
  // The shell ignores SIGXFSZ, so does imgsync (inherited): writes past the limit fail (EFBIG).
  const std::string limit_blocks = std::to_string(largest / 512 + 16);
  std::vector<std::string> args{"-c", "trap '' XFSZ; ulimit -f " + limit_blocks + "; exec \"$@\"",
                                "sh", imgsync_binary().string()};
  for (auto& arg : sync_args()) args.push_back(arg);
  auto run = run_process("/bin/sh", args, imgsync_env(relay().endpoint()), unset_env());
  EXPECT_EQ(run.exit_code, 1) << run.err.substr(0, 3000);
  EXPECT_NE(run.err.find("journal"), std::string::npos) << run.err.substr(0, 3000);
  // Every object in the bucket is one the journal knows (intent is recorded before the upload).
  auto journal = catalog::JournalStore::open(state());
  ASSERT_TRUE(journal.ok());
  auto records = journal->all();
  ASSERT_TRUE(records.ok());
  std::set<std::string> known;
  for (const auto& record : *records) {
    known.insert(record.object_key);
    known.insert(record.item_key);
  }
  auto listed = client().list_all_objects(bucket(), "");
  ASSERT_TRUE(listed.ok());
  EXPECT_LT(listed->size(), 2 * 156u);
  for (const auto& object : *listed) {
    // A claim may precede its file's record (it is no upload: the next run finds it its own).
    if (object.key.find("/claims/") != std::string::npos) continue;
    EXPECT_TRUE(known.count(object.key)) << object.key;
  }
  expect_next_sync_finishes();
}

// SIGINT: no new file starts, what is in flight finishes; exit 1, and the next run does the rest.
TEST_F(ErrorClassTest, InterruptedSyncStopsStartingFilesAndTheNextRunFinishes) {
  make_files(100, 0, 6);
  FaultPolicy slow;  // slow answers, so the run is still going when the signal comes
  slow.delay = 1.0;
  slow.delay_by = 100ms;
  FaultProxy& proxy = with_faults(slow);
  {
    Daemon run(sync_args(false, 4), env_via(proxy), unset_env());
    ASSERT_TRUE(run.await_uploaded(10, 60s));
    run.signal(SIGINT);
    EXPECT_EQ(run.finish(), 1);
    EXPECT_LT(run.uploaded(), files_.size());
    EXPECT_EQ(run.last_event().value("event", ""), "summary");
  }
  auto report = status_report();
  EXPECT_EQ(report["counts"].value("failed", 0), 0) << report.dump();
  EXPECT_LT(report["counts"].value("uploaded", 0), file_count()) << report.dump();
  expect_next_sync_finishes();
}

}  // namespace
}  // namespace imgsync::testing
