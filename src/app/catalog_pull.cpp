// imgsync index pull (app/shared_catalog.h) as a pipeline, so the index's single writer never
// waits for the network or the JSON parser:
//
//   segments: a few threads, each with its own S3 connection, GET the next segments (at most a
//             few ahead of the one being merged) and inflate, parse and prepare their lines
//             (catalog::CatalogItem) while this thread merges the previous ones in order;
//   snapshot: downloaded to the state directory, then one thread inflates and prepares it in
//             batches (a few ahead) while this thread merges them.
//
// Memory is the few batches in flight, whatever the size of the catalog. Merges run in large
// transactions (tens of thousands of Items), each holding the positions it reaches, so an
// interrupted pull resumes where it stopped.
#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "app/bulk_load.h"
#include "app/shared_catalog.h"
#include "app/shared_catalog_detail.h"
#include "util/error_predicates.h"
#include "util/gzip.h"
#include "util/time_format.h"

namespace imgsync::app {
namespace {

using detail::kPulledSetting;
using detail::kSnapshotSetting;
using nlohmann::json;

constexpr std::size_t kBatchItems = 10'000;         // a snapshot's lines per batch
constexpr std::int64_t kTransactionItems = 50'000;  // Items per transaction, at least
constexpr int kFetchers = 2;                        // segment GETs and parsers at once

struct Batch {
  std::vector<catalog::CatalogItem> items;
  std::int64_t unreadable = 0;
  std::uint64_t bytes = 0;
};

std::optional<std::int64_t> updated_ms(const json& item) {
  auto properties = item.find("properties");
  if (properties == item.end() || !properties->is_object()) return std::nullopt;
  auto updated = properties->find("updated");
  if (updated == properties->end() || !updated->is_string()) return std::nullopt;
  auto parsed = parse_iso8601(updated->get<std::string>());
  if (!parsed.ok()) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(parsed->time_since_epoch()).count();
}

// One catalog line made ready to merge; a line that is not an Item of this bucket with an
// `updated` time, or one the index cannot hold (no capture time), is counted unreadable.
void prepare_line(std::string_view line, const BucketLocation& location, Batch& batch) {
  if (line.empty()) return;
  json item = json::parse(line, nullptr, false);
  const std::string key = item.is_object() ? detail::item_form(item, location) : "";
  const auto updated = key.empty() ? std::nullopt : updated_ms(item);
  auto record = updated
                    ? catalog::index_record_from_item(item, key)
                    : Result<catalog::IndexRecord>(make_error(ErrorCategory::kInvalidInput, ""));
  if (!record.ok()) {
    ++batch.unreadable;
    return;
  }
  batch.items.push_back({.record = std::move(*record),
                         .item_json = item.dump(-1, ' ', false, json::error_handler_t::replace),
                         .updated_ms = *updated});
}

void add(PullReport& report, const catalog::MergeCounts& counts, const Batch& batch) {
  report.added += counts.added;
  report.replaced += counts.replaced;
  report.kept += counts.kept;
  report.unreadable += batch.unreadable;
  report.bytes += batch.bytes;
}

Result<std::string> pulled_position(catalog::ItemIndex& index, const std::string& writer) {
  auto value = index.setting(kPulledSetting + writer);
  if (!value.ok()) return value.take_error();
  return value->value_or("");
}

struct SegmentJob {
  std::string writer, key;
};

// How many Items a segment holds at most: its name is <first>-<last> of the writer's change log.
std::int64_t segment_span(const std::string& key) {
  const std::string name = key.substr(key.rfind('/') + 1);
  long long first = 0, last = 0;
  if (std::sscanf(name.c_str(), "%lld-%lld", &first, &last) != 2 || last < first) return 1;
  return last - first + 1;
}

// GETs and prepares segments on kFetchers threads, each with its own S3 client (one client is
// one thread's), at most `window` segments ahead of the next one taken, in any order; take()
// hands them out in order.
class SegmentFetcher {
 public:
  SegmentFetcher(const s3::S3Settings& settings, const BucketLocation& location,
                 const std::vector<SegmentJob>& jobs, std::size_t window)
      : settings_(settings), location_(location), jobs_(jobs), window_(window) {
    for (int i = 0; i < kFetchers && i < static_cast<int>(jobs.size()); ++i) {
      threads_.emplace_back([this] { work(); });
    }
  }
  ~SegmentFetcher() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    for (auto& thread : threads_) thread.join();
  }
  SegmentFetcher(const SegmentFetcher&) = delete;
  SegmentFetcher& operator=(const SegmentFetcher&) = delete;

  // The next segment's Items (blocks until they are ready).
  Result<Batch> take() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return ready_.contains(taken_); });
    auto node = ready_.extract(taken_++);
    changed_.notify_all();
    return std::move(node.mapped());
  }

 private:
  void work() {
    s3::S3Client client(settings_);
    while (true) {
      std::size_t next = 0;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(
            lock, [&] { return stop_ || claimed_ >= jobs_.size() || claimed_ < taken_ + window_; });
        if (stop_ || claimed_ >= jobs_.size()) return;
        next = claimed_++;
      }
      Result<Batch> batch = fetch(client, jobs_[next].key);
      {
        std::lock_guard lock(mutex_);
        ready_.emplace(next, std::move(batch));
      }
      changed_.notify_all();
    }
  }

  Result<Batch> fetch(s3::S3Client& client, const std::string& key) {
    auto object =
        client.get_object({.bucket = location_.bucket, .key = key, .range = {}, .download_to = {}});
    if (!object.ok()) return object.take_error();
    Batch batch;
    batch.bytes = object->body.size();
    Status read = for_each_gzip_line(std::string_view(object->body), [&](std::string_view line) {
      prepare_line(line, location_, batch);
      return Status{};
    });
    if (!read.ok()) {
      return make_error(read.error().category,
                        fmt::format("catalog segment s3://{}/{}: {}", location_.bucket, key,
                                    read.error().message));
    }
    return batch;
  }

  const s3::S3Settings settings_;
  const BucketLocation& location_;
  const std::vector<SegmentJob>& jobs_;
  const std::size_t window_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::size_t, Result<Batch>> ready_;
  std::size_t claimed_ = 0, taken_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// Merges the segments in order, many per transaction, each writer's position with them.
Status merge_segments(catalog::ItemIndex& index, s3::S3Client& client,
                      const BucketLocation& location, const std::vector<SegmentJob>& jobs,
                      PullReport& report) {
  SegmentFetcher fetcher(client.settings(), location, jobs, kFetchers);
  std::size_t next = 0;
  while (next < jobs.size()) {
    PullReport group;
    int segments = 0;
    Status merged = index.in_transaction([&]() -> Status {
      std::int64_t items = 0;
      while (next < jobs.size() && items < kTransactionItems) {
        auto batch = fetcher.take();
        if (!batch.ok()) return batch.error();
        auto counts = index.merge_items(batch->items);
        if (!counts.ok()) return counts.error();
        add(group, *counts, *batch);
        items += static_cast<std::int64_t>(batch->items.size());
        const SegmentJob& job = jobs[next++];
        if (Status ok = index.set_setting(kPulledSetting + job.writer, job.key); !ok.ok()) {
          return ok;
        }
        ++segments;
      }
      return {};
    });
    if (!merged.ok()) return merged;
    report.added += group.added;
    report.replaced += group.replaced;
    report.kept += group.kept;
    report.unreadable += group.unreadable;
    report.bytes += group.bytes;
    report.segments += segments;
  }
  return {};
}

// Inflates and prepares a snapshot file on a thread of its own, a few batches ahead.
class SnapshotReader {
 public:
  SnapshotReader(const std::filesystem::path& file, const BucketLocation& location)
      : thread_([this, file, &location] { read(file, location); }) {}
  ~SnapshotReader() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  SnapshotReader(const SnapshotReader&) = delete;
  SnapshotReader& operator=(const SnapshotReader&) = delete;

  // The next batch; an empty optional at the end of the file.
  Result<std::optional<Batch>> take() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !queue_.empty() || done_; });
    if (queue_.empty()) {
      if (!status_.ok()) return status_.error();
      return std::optional<Batch>();
    }
    Batch batch = std::move(queue_.front());
    queue_.pop_front();
    changed_.notify_all();
    return std::optional<Batch>(std::move(batch));
  }

 private:
  static constexpr std::size_t kAhead = 3;

  // False when the reader is told to stop.
  bool push(Batch& batch) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return stop_ || queue_.size() < kAhead; });
    if (stop_) return false;
    queue_.push_back(std::move(batch));
    batch = Batch();
    changed_.notify_all();
    return true;
  }

  void read(const std::filesystem::path& file, const BucketLocation& location) {
    Batch batch;
    Status status = for_each_gzip_line(file, [&](std::string_view line) -> Status {
      prepare_line(line, location, batch);
      if (batch.items.size() < kBatchItems || push(batch)) return {};
      return make_error(ErrorCategory::kFatal, "the pull stopped");
    });
    if (status.ok()) push(batch);
    std::lock_guard lock(mutex_);
    status_ = status;
    done_ = true;
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Batch> queue_;
  bool stop_ = false, done_ = false;
  Status status_;
  std::thread thread_;
};

// Merges a downloaded snapshot, many batches per transaction; the positions it holds go with
// the last one (a pull interrupted before then reads the snapshot again: merging is idempotent).
Status merge_snapshot(catalog::ItemIndex& index, const detail::Manifest& manifest,
                      const std::filesystem::path& file, const BucketLocation& location,
                      PullReport& report) {
  SnapshotReader reader(file, location);
  bool end = false;
  while (!end) {
    Status merged = index.in_transaction([&]() -> Status {
      std::int64_t items = 0;
      while (!end && items < kTransactionItems) {
        auto batch = reader.take();
        if (!batch.ok()) return batch.error();
        if (!*batch) {
          end = true;
          break;
        }
        auto counts = index.merge_items((*batch)->items);
        if (!counts.ok()) return counts.error();
        add(report, *counts, **batch);
        items += static_cast<std::int64_t>((*batch)->items.size());
      }
      if (!end) return {};
      for (const auto& [writer, position] : manifest.positions) {
        auto mine = pulled_position(index, writer);
        if (!mine.ok()) return mine.error();
        if (*mine >= position) continue;
        if (Status ok = index.set_setting(kPulledSetting + writer, position); !ok.ok()) return ok;
      }
      return {};
    });
    if (!merged.ok()) return merged;
  }
  return {};
}

// Reads the snapshot when the index lacks part of what it holds.
Status apply_snapshot(catalog::ItemIndex& index, s3::S3Client& client,
                      const BucketLocation& location, const detail::Manifest& manifest,
                      const std::filesystem::path& scratch_dir, BulkLoad& bulk,
                      PullReport& report) {
  auto applied = index.setting(kSnapshotSetting);
  if (!applied.ok()) return applied.error();
  if (applied->value_or("") == manifest.key) return {};
  bool behind = manifest.positions.empty();
  for (const auto& [writer, position] : manifest.positions) {
    auto mine = pulled_position(index, writer);
    if (!mine.ok()) return mine.error();
    behind = behind || *mine < position;
  }
  if (behind) {
    if (Status ok = bulk.consider(manifest.items); !ok.ok()) return ok;
    std::error_code error;
    std::filesystem::create_directories(scratch_dir, error);
    const auto file = scratch_dir / "snapshot.ndjson.gz";
    auto object = client.get_object(
        {.bucket = location.bucket, .key = manifest.snapshot, .range = {}, .download_to = file});
    if (!object.ok()) return object.error();
    report.bytes += object->info.size;
    Status merged = merge_snapshot(index, manifest, file, location, report);
    std::filesystem::remove(file, error);
    if (!merged.ok()) return merged;
    report.snapshot = true;
  }
  return index.set_setting(kSnapshotSetting, manifest.key);
}

// Each writer's segments after the last one this index read from it.
Result<std::vector<SegmentJob>> new_segments(catalog::ItemIndex& index, s3::S3Client& client,
                                             const BucketLocation& location) {
  const std::string items_prefix = under_prefix(location, "catalog/items/");
  s3::ListObjectsRequest request{.bucket = location.bucket,
                                 .prefix = items_prefix,
                                 .delimiter = "/",
                                 .continuation_token = "",
                                 .start_after = "",
                                 .max_keys = 1000};
  std::vector<std::string> prefixes;
  while (true) {
    auto page = client.list_objects_v2(request);
    if (!page.ok()) return page.take_error();
    prefixes.insert(prefixes.end(), page->common_prefixes.begin(), page->common_prefixes.end());
    if (!page->truncated) break;
    request.continuation_token = page->next_continuation_token;
  }
  std::vector<SegmentJob> jobs;
  for (const auto& prefix : prefixes) {
    const std::string writer =
        prefix.substr(items_prefix.size(), prefix.size() - items_prefix.size() - 1);
    auto position = pulled_position(index, writer);
    if (!position.ok()) return position.take_error();
    auto keys = detail::list_after(client, location, prefix, *position);
    if (!keys.ok()) return keys.take_error();
    for (auto& key : *keys) jobs.push_back({.writer = writer, .key = std::move(key)});
  }
  return jobs;
}

// One round: snapshot, then each writer's new segments. kNotFound when a listed segment was
// retired meanwhile (the caller starts again, now from the newer snapshot).
Status pull_round(catalog::ItemIndex& index, s3::S3Client& client, const BucketLocation& location,
                  const std::filesystem::path& scratch_dir, PullReport& report) {
  BulkLoad bulk(index);
  auto manifest = detail::newest_manifest(client, location);
  if (!manifest.ok()) return manifest.error();
  if (*manifest) {
    if (Status ok = apply_snapshot(index, client, location, **manifest, scratch_dir, bulk, report);
        !ok.ok())
      return ok;
  }
  auto jobs = new_segments(index, client, location);
  if (!jobs.ok()) return jobs.error();
  std::int64_t incoming = 0;
  for (const auto& job : *jobs) incoming += segment_span(job.key);
  if (Status ok = bulk.consider(incoming); !ok.ok()) return ok;
  if (Status ok = merge_segments(index, client, location, *jobs, report); !ok.ok()) return ok;
  return bulk.finish();
}

}  // namespace

Result<PullReport> pull_catalog(catalog::ItemIndex& index, s3::S3Client& client,
                                const BucketLocation& location,
                                const std::filesystem::path& scratch_dir) {
  PullReport report;
  for (int round = 0;; ++round) {
    Status pulled = pull_round(index, client, location, scratch_dir, report);
    if (pulled.ok()) return report;
    if (!is_not_found(pulled.error()) || round == 3) return pulled.error();
  }
}

}  // namespace imgsync::app
