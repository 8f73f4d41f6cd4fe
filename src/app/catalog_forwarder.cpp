#include "app/catalog_forwarder.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "app/item_index_factory.h"
#include "app/shared_catalog.h"
#include "catalog/search_index.h"

namespace imgsync::app {
namespace {

using nlohmann::json;

// The visitor's way to stop for_each_change when a batch is full (never reported).
Error batch_full() {
  return make_error(ErrorCategory::kConflict, "batch full");
}

// Back-off while the catalog is away: RetryPolicy's delays, never giving up.
constexpr s3::RetryOptions kPauseBackoff{.max_attempts = 1 << 30,
                                         .base_delay = std::chrono::milliseconds(1000),
                                         .max_delay = std::chrono::milliseconds(60'000),
                                         .throttled_base_delay = std::chrono::milliseconds(1000)};

// One catalog transaction (and, on PostgreSQL, one round trip): every change, merged by its
// updated time.
Result<ForwardReport> write_batch(catalog::ItemIndex& shared,
                                  const std::vector<catalog::LocalChange>& changes) {
  std::vector<catalog::ItemToMerge> items;
  items.reserve(changes.size());
  for (const auto& change : changes) {
    auto item = json::parse(change.item_json, nullptr, false);
    if (item.is_discarded()) continue;  // the local index holds only Items it parsed
    items.push_back(
        {.item = std::move(item), .item_key = change.item_key, .updated_ms = change.updated_ms});
  }
  ForwardReport round;
  Status written = shared.in_transaction([&]() -> Status {
    auto outcomes = shared.merge_parsed(items);
    if (!outcomes.ok()) return outcomes.error();
    round = {};
    for (auto outcome : *outcomes) {
      ++(outcome == catalog::MergeOutcome::kKeptNewer ? round.kept : round.written);
    }
    return {};
  });
  if (!written.ok()) return written.error();
  return round;
}

}  // namespace

std::string forwarded_position_name(const config::CatalogSettings& settings,
                                    const BucketLocation& location) {
  return "catalog.forwarded " + config::redact_catalog_url(settings.url) + " " +
         default_collection_id(location);
}

Result<ForwardReport> copy_index(catalog::ItemIndex& local, catalog::ItemIndex& shared,
                                 const std::function<void(const ForwardReport&)>& on_batch,
                                 int batch) {
  ForwardReport report;
  std::vector<catalog::LocalChange> changes;
  auto flush = [&]() -> Status {
    auto round = write_batch(shared, changes);
    if (!round.ok()) return round.error();
    changes.clear();
    report.written += round->written;
    report.kept += round->kept;
    if (on_batch) on_batch(report);
    return {};
  };
  Status copied = local.for_each_change(0, catalog::ChangeScope::kAll,
                                        [&](const catalog::LocalChange& change) -> Status {
                                          changes.push_back(change);
                                          if (static_cast<int>(changes.size()) < batch) return {};
                                          return flush();
                                        });
  if (copied.ok() && !changes.empty()) copied = flush();
  if (!copied.ok()) return copied.error();
  return report;
}

Result<ForwardReport> forward_changes(catalog::ItemIndex& local, catalog::ItemIndex& shared,
                                      const std::string& position_name, int batch) {
  auto position = stored_position(local, position_name);
  if (!position.ok()) return position.take_error();
  ForwardReport report;
  while (true) {
    std::vector<catalog::LocalChange> changes;
    Status listed = local.for_each_change(*position, catalog::ChangeScope::kLocal,
                                          [&](const catalog::LocalChange& change) -> Status {
                                            changes.push_back(change);
                                            if (static_cast<int>(changes.size()) >= batch) {
                                              return batch_full();
                                            }
                                            return {};
                                          });
    if (!listed.ok() && listed.error().message != batch_full().message) return listed.error();
    if (changes.empty()) return report;
    auto round = write_batch(shared, changes);
    if (!round.ok()) return round.take_error();
    *position = changes.back().sequence;
    if (Status kept = local.set_setting(position_name, std::to_string(*position)); !kept.ok()) {
      return kept.error();  // copied again next time: harmless
    }
    report.written += round->written;
    report.kept += round->kept;
  }
}

Result<std::int64_t> pending_changes(catalog::ItemIndex& local, const std::string& position_name) {
  auto position = stored_position(local, position_name);
  if (!position.ok()) return position.take_error();
  std::int64_t pending = 0;
  Status counted = local.for_each_change(*position, catalog::ChangeScope::kLocal,
                                         [&](const catalog::LocalChange&) -> Status {
                                           ++pending;
                                           return {};
                                         });
  if (!counted.ok()) return counted.error();
  return pending;
}

CatalogForwarder::CatalogForwarder(std::filesystem::path state_dir,
                                   config::CatalogSettings settings, BucketLocation location)
    : state_dir_(std::move(state_dir)),
      settings_(std::move(settings)),
      location_(std::move(location)),
      position_name_(forwarded_position_name(settings_, location_)),
      backoff_(kPauseBackoff) {}

Result<catalog::ItemIndex*> CatalogForwarder::local_index() {
  if (!local_) {
    auto opened = catalog::SearchIndex::open(state_dir_, /*for_queries=*/false);
    if (!opened.ok()) return opened.take_error();
    local_ = std::make_unique<catalog::SearchIndex>(std::move(*opened));
  }
  return local_.get();
}

Result<ForwardReport> CatalogForwarder::forward() {
  auto local = local_index();
  if (!local.ok()) return local.take_error();
  if (!shared_) {
    auto opened = open_shared_catalog(settings_, location_);
    if (!opened.ok()) return opened.take_error();
    shared_ = std::move(*opened);
  }
  return forward_changes(**local, *shared_, position_name_);
}

Result<std::int64_t> CatalogForwarder::pending() {
  auto local = local_index();
  if (!local.ok()) return local.take_error();
  return pending_changes(**local, position_name_);
}

void CatalogForwarder::start(std::chrono::milliseconds interval, ForwarderHooks hooks) {
  thread_ = std::thread([this, interval, hooks = std::move(hooks)] { run(interval, hooks); });
}

void CatalogForwarder::run(std::chrono::milliseconds interval, const ForwarderHooks& hooks) {
  int failures = 0;
  std::chrono::milliseconds wait = interval;
  std::unique_lock lock(mutex_);
  while (true) {
    const bool last = wake_.wait_for(lock, wait, [this] { return stopping_; });
    lock.unlock();
    auto forwarded = forward();
    lock.lock();
    if (forwarded.ok()) {
      if (failures > 0 && hooks.resumed) hooks.resumed(*forwarded);
      failures = 0;
      wait = interval;
    } else {
      ++failures;
      wait = std::max(interval, backoff_.delay(forwarded.error(), failures));
      if (failures == 1 && hooks.paused) {
        auto waiting = pending();
        hooks.paused(waiting.ok() ? *waiting : -1, forwarded.error(), wait);
      }
    }
    if (last) return;
  }
}

void CatalogForwarder::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace imgsync::app
