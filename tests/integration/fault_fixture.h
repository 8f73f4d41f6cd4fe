// The fixture of the fault-injection binary (fault_injection_test.cpp: whole scenarios;
// error_classes_test.cpp: one test per row of docs/errors.md): source files, imgsync through a
// FaultProxy, and the exactly-once check every test ends with.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "catalog/journal_store.h"
#include "imgsync_cli_fixture.h"
#include "media/object_keys.h"
#include "media/synthetic_images.h"
#include "support/fault_proxy.h"
#include "support/http_receiver.h"

namespace imgsync::testing {

using Clock = std::chrono::steady_clock;

struct ScenarioRow {
  std::string scenario;
  int files = 0;
  std::string faults;
  int lost = 0;
  int duplicates = 0;
  double recover_seconds = 0;
  double run_seconds = 0;
};

inline std::vector<ScenarioRow>& table() {
  static std::vector<ScenarioRow> rows;
  return rows;
}

inline double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

inline std::string describe(const FaultCounters& c) {
  std::string text;
  auto add = [&text](int n, const char* what) {
    if (n > 0) text += (text.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  add(c.dropped_mid_body, "dropped mid-body");
  add(c.slow_down, "503 SlowDown");
  add(c.internal_error, "500 InternalError");
  add(c.custom_error, "other S3 errors");
  add(c.etag_replaced, "ETags replaced");
  add(c.delayed, "delayed");
  add(c.refused_connections, "refused");
  add(c.upstream_failures, "server unreachable");
  add(c.broken_off, "answers cut short");
  return text.empty() ? "none" : text + " (of " + std::to_string(c.requests) + " requests)";
}

// A running imgsync whose stdout (--json events) is read by a thread of its own, so the child
// never blocks on a full pipe while the test waits for something else.
class Daemon {
 public:
  Daemon(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
         const std::vector<std::string>& unset)
      : child_(imgsync_binary(), args, env, unset), reader_([this] { read(); }) {}
  ~Daemon() {
    if (reader_.joinable()) {
      child_.kill_hard();
      reader_.join();
    }
  }
  // Waits until `count` distinct files were reported uploaded (or the output ended / timed out).
  bool await_uploaded(std::size_t count, std::chrono::milliseconds timeout) {
    return await(uploaded_, count, timeout);
  }
  // The same for Items (the upload of a file's Item follows the file's own).
  bool await_items(std::size_t count, std::chrono::milliseconds timeout) {
    return await(items_, count, timeout);
  }
  void signal(int number) { child_.send_signal(number); }
  // Reads to the end and returns the exit code.
  int finish() {
    reader_.join();
    return child_.wait();
  }
  std::size_t uploaded() {
    std::lock_guard lock(mutex_);
    return uploaded_.size();
  }
  std::size_t upload_events() {
    std::lock_guard lock(mutex_);
    return upload_events_;
  }
  nlohmann::json last_event() {
    std::lock_guard lock(mutex_);
    return last_;
  }

 private:
  bool await(const std::set<std::string>& reported, std::size_t count,
             std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return reported.size() >= count || ended_; }) &&
           reported.size() >= count;
  }
  void read() {
    while (auto line = child_.read_line()) {
      auto event = nlohmann::json::parse(*line, nullptr, false);
      std::lock_guard lock(mutex_);
      if (event.is_discarded()) continue;
      if (event.value("event", "") == "uploaded") {
        uploaded_.insert(event.value("path", ""));
        ++upload_events_;
      }
      if (event.value("event", "") == "item_uploaded") items_.insert(event.value("key", ""));
      last_ = event;
      changed_.notify_all();
    }
    std::lock_guard lock(mutex_);
    ended_ = true;
    changed_.notify_all();
  }

  ChildProcess child_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::set<std::string> uploaded_;
  std::set<std::string> items_;
  std::size_t upload_events_ = 0;
  nlohmann::json last_;
  bool ended_ = false;
  std::thread reader_;
};

class FaultFixture : public ImgsyncCliTest {
 protected:
  std::filesystem::path source() const { return scratch_.path() / "photos"; }
  std::filesystem::path state() const { return scratch_.path() / "state"; }
  std::string destination() const { return "s3://" + bucket() + "/faults"; }
  int file_count() const { return static_cast<int>(files_.size()); }

  // `small` small valid JPEGs (numbered from `first`), and `big` big ones (11 MiB: three parts
  // of 5 MiB).
  void make_files(int small, int big, int first = 0) {
    for (int i = 0; i < big; ++i) {
      std::string bytes = media::testing::build_jpeg(std::nullopt, std::nullopt, 640, 480);
      std::uint64_t state = 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(i + 1);
      while (bytes.size() < 11u * 1024 * 1024) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        for (int shift = 0; shift < 64; shift += 8)
          bytes.push_back(static_cast<char>(state >> shift));
      }
      files_.push_back(source() / ("big_" + std::to_string(i) + ".jpg"));
      write_file(files_.back(), bytes);
    }
    for (int i = first; i < first + small; ++i) {
      files_.push_back(source() / ("day" + std::to_string(i % 4)) /
                       ("img_" + std::to_string(i) + ".jpg"));
      write_file(files_.back(), media::testing::build_jpeg(std::nullopt, std::nullopt, 64 + i, 48) +
                                    "tail-" + std::to_string(i));
    }
  }

  // With `retry_log`, stderr holds JSON log lines down to debug (the "retry" events).
  std::vector<std::string> sync_args(bool retry_log = true, int jobs = 8) const {
    std::vector<std::string> args{"sync",
                                  source().string(),
                                  "--to",
                                  destination(),
                                  "--state-dir",
                                  state().string(),
                                  "--json",
                                  "--jobs",
                                  std::to_string(jobs),
                                  "--part-size",
                                  "5MiB",
                                  "--multipart-threshold",
                                  "5MiB"};
    if (retry_log) args.insert(args.end(), {"--log-format", "json", "-vv"});
    return args;
  }
  // Every run of a test reaches the server through one relay (its faults set per case), so that
  // all of them, and status and verify, address one destination.
  FaultProxy& with_faults(const FaultPolicy& policy) {
    relay().refuse_connections(false);
    relay().set_policy(policy);
    relay().reset_counters();
    return relay();
  }
  FaultProxy& relay() {
    if (!relay_) relay_.emplace(server().host);
    return *relay_;
  }
  // imgsync through the relay (unless `extra` names another endpoint).
  ProcessResult imgsync(const std::vector<std::string>& arguments,
                        std::map<std::string, std::string> extra = {}) {
    extra.emplace("AWS_ENDPOINT_URL", relay().endpoint());
    return ImgsyncCliTest::imgsync(arguments, std::move(extra));
  }
  std::optional<FaultProxy> relay_;

  std::map<std::string, std::string> env_via(const FaultProxy& proxy,
                                             std::map<std::string, std::string> extra = {}) const {
    auto environment = imgsync_env(proxy.endpoint());
    for (auto& [name, value] : extra) environment[name] = value;
    return environment;
  }
  ProcessResult sync_via(const FaultProxy& proxy, std::map<std::string, std::string> extra = {}) {
    return run_process(imgsync_binary(), sync_args(), env_via(proxy, std::move(extra)),
                       unset_env());
  }
  // The configuration of the notifying scenarios: the same folder and destination, a webhook.
  std::filesystem::path write_config(const HttpReceiver& receiver) {
    const auto file = scratch_.path() / "imgsync.toml";
    write_file(file, "destination = \"" + destination() + "\"\nstate_dir = \"" + state().string() +
                         "\"\n[[source]]\npath = \"" + source().string() +
                         "\"\n[upload]\njobs = 8\npart_size = \"5MiB\"\n"
                         "multipart_threshold = \"5MiB\"\n[watch]\nsettle = 0.2\n"
                         "[[notify]]\ntype = \"webhook\"\nurl = \"" +
                         receiver.url() + "\"\n");
    return file;
  }

  // The JSON log lines (stderr with --log-format json) of one event.
  static std::vector<nlohmann::json> logged(const std::string& err, const std::string& event) {
    std::vector<nlohmann::json> lines;
    std::istringstream stream(err);
    std::string line;
    while (std::getline(stream, line)) {
      if (line.empty() || line[0] != '{') continue;
      auto json = nlohmann::json::parse(line, nullptr, false);
      if (!json.is_discarded() && json.value("event", "") == event) lines.push_back(json);
    }
    return lines;
  }

  // Every file uploaded exactly once, the journal and the bucket agree, verify --deep and
  // status are clean. Adds the scenario's row to the table (unless `scenario` is "").
  // `via`: how the runs reached the server when not through the relay (verify and status go the
  // same way: the journal keeps state per destination, and the endpoint is part of it).
  void expect_exactly_once(const std::string& scenario, const FaultCounters& injected,
                           double recover_seconds, double run_seconds,
                           std::map<std::string, std::string> via = {}) {
    ScenarioRow row{scenario, file_count(), describe(injected), 0, 0, recover_seconds, run_seconds};
    auto journal = catalog::JournalStore::open(state());
    ASSERT_TRUE(journal.ok());
    auto records = journal->all();
    ASSERT_TRUE(records.ok());
    EXPECT_EQ(records->size(), files_.size());
    std::set<std::string> expected;
    for (const auto& path : files_) {
      auto record = journal->find(path.string());
      ASSERT_TRUE(record.ok());
      if (!record->has_value() || (*record)->state != catalog::FileState::kUploaded) {
        ++row.lost;
        ADD_FAILURE() << path << " is not uploaded";
        continue;
      }
      expected.insert((*record)->object_key);
      expected.insert((*record)->item_key);
      // The claim on the capture's name.
      // The capture's thumbnail, when its Item names one.
      auto capture = journal->capture_by_name((*record)->name);
      ASSERT_TRUE(capture.ok() && capture->has_value()) << path;
      expected.insert("faults/claims/" + (*capture)->date_path + "/" + (*capture)->name);
      auto item = nlohmann::json::parse((*capture)->item_json, nullptr, false);
      if (item.is_object() && item["assets"].contains("thumbnail")) {
        expected.insert(media::thumbnail_key_for_item((*record)->item_key));
      }
    }
    auto listed = client().list_all_objects(bucket(), "faults/");
    ASSERT_TRUE(listed.ok());
    std::set<std::string> present;
    for (const auto& object : *listed) {
      present.insert(object.key);
      if (!expected.count(object.key)) {
        ++row.duplicates;  // an object no file accounts for: a second copy under another key
        ADD_FAILURE() << "unexpected object " << object.key;
      }
    }
    for (const auto& key : expected) {
      if (!present.count(key)) {
        ++row.lost;
        ADD_FAILURE() << "missing object " << key;
      }
    }
    expect_independent_read_back(present);
    auto uploads = client().list_multipart_uploads(bucket());
    ASSERT_TRUE(uploads.ok());
    EXPECT_TRUE(uploads->empty()) << uploads->size() << " multipart uploads left";

    auto verified = imgsync(
        {"verify", "--deep", "--to", destination(), "--state-dir", state().string(), "--json"},
        via);
    EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
    EXPECT_EQ(summary_of(verified.out)["problems"], 0);
    auto status =
        imgsync({"status", "--to", destination(), "--state-dir", state().string(), "--json"}, via);
    EXPECT_EQ(status.exit_code, 0) << status.out << status.err;
    auto report = nlohmann::json::parse(status.out, nullptr, false);
    ASSERT_FALSE(report.is_discarded()) << status.out;
    EXPECT_EQ(report["counts"].value("uploaded", 0), file_count());
    for (const char* state : {"pending", "uploading", "failed"})
      EXPECT_EQ(report["counts"].value(state, 0), 0) << state;
    EXPECT_TRUE(report["failed"].empty());
    EXPECT_EQ(row.lost, 0);
    EXPECT_EQ(row.duplicates, 0);
    if (!scenario.empty()) table().push_back(row);
  }

  // A second, independent client (curl) lists the same keys, and reads back the same bytes as
  // the local files for the multipart ones and a few small ones.
  void expect_independent_read_back(const std::set<std::string>& present) {
    CurlS3 curl = independent();
    auto keys = curl.list_keys("faults/");
    ASSERT_TRUE(keys.has_value()) << curl.error();
    EXPECT_EQ(std::set<std::string>(keys->begin(), keys->end()), present);
    auto journal = catalog::JournalStore::open(state());
    ASSERT_TRUE(journal.ok());
    int small_ones = 0;
    for (const auto& path : files_) {
      std::error_code missing;
      const auto size = std::filesystem::file_size(path, missing);
      if (missing) continue;
      const bool multipart = size > 5 * 1024 * 1024;
      if (!multipart && ++small_ones > 3) continue;
      auto record = journal->find(path.string());
      ASSERT_TRUE(record.ok() && record->has_value()) << path;
      auto bytes = curl.get((*record)->object_key);
      ASSERT_TRUE(bytes.has_value()) << curl.error();
      EXPECT_TRUE(*bytes == read_file(path)) << (*record)->object_key << " differs from " << path;
    }
  }

  // One sync through a proxy with `policy`, which must succeed in one run: every fault is retried
  // away. Checks the retry log lines against what was injected.
  void sync_through_faults(
      const std::string& scenario, const FaultPolicy& policy,
      const std::function<void(const FaultCounters&, const std::vector<nlohmann::json>&)>& check) {
    FaultProxy& proxy = with_faults(policy);
    const auto start = Clock::now();
    auto run = sync_via(proxy);
    const auto end = Clock::now();
    ASSERT_EQ(run.exit_code, 0) << run.err.substr(0, 4000);
    const auto injected = proxy.counters();
    EXPECT_GT(injected.faults(), 0);
    auto summary = summary_of(run.out);
    EXPECT_EQ(summary["uploaded"].get<int>() + summary["already_there"].get<int>(), file_count());
    EXPECT_EQ(summary["failed"], 0);
    const auto retries = logged(run.err, "retry");
    for (const auto& retry : retries) {
      EXPECT_GE(retry.value("attempt", 0), 1);
      EXPECT_FALSE(retry.value("key", "").empty());
    }
    EXPECT_TRUE(logged(run.err, "failed").empty());
    check(injected, retries);
    const auto last_fault = proxy.last_fault().value_or(start);
    expect_exactly_once(scenario, injected, seconds_between(last_fault, end),
                        seconds_between(start, end));
  }

  static int count_with(const std::vector<nlohmann::json>& lines, const char* field,
                        const std::string& value) {
    return static_cast<int>(std::count_if(lines.begin(), lines.end(), [&](const auto& line) {
      return line.value(field, "") == value;
    }));
  }

  static void s3_server(const char* action) {
    const std::string command = "'" + (source_dir() / "scripts/s3-server").string() + "' " +
                                action + " '" + S3ServerEnvironment::info().directory.string() +
                                "' >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << action;
  }

  std::vector<std::filesystem::path> files_;
  ScratchDir scratch_{"imgsync-faults"};
};

}  // namespace imgsync::testing
