#include "app/sync_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "app/sync_run.h"
#include "catalog/search_index.h"
#include "media/object_keys.h"

namespace imgsync::app {

Status require_destination_and_sources(const config::AppConfig& config,
                                       const std::string& sources_for) {
  if (!config.destination) {
    return make_error(ErrorCategory::kInvalidInput,
                      "no destination: pass --to s3://BUCKET/PREFIX or set destination in "
                      "imgsync.toml");
  }
  if (config.sources.empty()) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("no source folders{}: name them on the command line or as "
                                  "[[source]] in imgsync.toml",
                                  sources_for));
  }
  return {};
}

SyncService::SyncService(const config::AppConfig& config, catalog::JournalStore& journal,
                         s3::S3Client& client)
    : config_(config), journal_(journal), client_(client) {}

namespace {
// How often a watch run asks for files that became ready while it works: a file waits this
// long at most after settling (and the daemon looks this often, only while it is busy).
constexpr std::chrono::milliseconds kFollowInterval{25};
}  // namespace

Result<SyncReport> SyncService::run(const SyncOptions& options) {
  if (Status ok = require_destination_and_sources(config_); !ok.ok()) return ok.error();
  auto prefix = media::normalize_prefix(config_.destination->key);
  if (!prefix.ok()) return prefix.take_error();
  auto name_template = config_.name_template.empty()
                           ? Result<media::NameTemplate>(media::NameTemplate::default_template())
                           : media::NameTemplate::parse(config_.name_template);
  if (!name_template.ok()) return name_template.take_error();

  Run run(*this, options);
  JournalGroupCommit group(journal_, client_.engine(),
                           [&run](const Status& status) { run.journal_failed(status); });
  run.group = &group;
  run.reader = std::make_unique<MetadataReader>(client_.engine(), options.metadata_pool);
  run.claims = std::make_unique<NameClaims>(config_, journal_, client_);
  run.publisher = std::make_unique<ItemPublisher>(
      config_, journal_, client_, run.report,
      PublisherHooks{
          .emit = [&run](const SyncEvent& event) { run.emit(event); },
          .journal_failed = [&run](const Status& status) { run.journal_failed(status); },
          .destination_lost =
              [&run](const Error& error) {
                if (!run.report.destination_error) run.report.destination_error = error;
                run.stop = true;
              },
          .stopped = [&run] { return run.stop; },
          .item_changed = [&run](const nlohmann::json& item,
                                 const std::string& item_key) { run.index_item(item, item_key); }});
  run.publisher->wait_for_thumbnails(options.follow == nullptr);  // watch: Items don't wait
  run.planner = std::make_unique<CapturePlanner>(journal_, *prefix, std::move(*name_template),
                                                 config_.project);
  if (!options.dry_run && !config_.state_dir.empty()) {
    auto index = catalog::SearchIndex::open(config_.state_dir, /*for_queries=*/false);
    run.index = std::make_unique<IndexFollower>(
        index.ok() ? std::make_unique<catalog::SearchIndex>(std::move(*index)) : nullptr,
        client_.engine());
  }
  run.feed = std::make_unique<SyncFeed>(
      config_, journal_, run.options, run.report,
      FeedHooks{.emit = [&run](const SyncEvent& event) { run.emit(event); },
                .journal_failed = [&run](const Status& status) { run.journal_failed(status); },
                .vanishing =
                    [this](const catalog::FileRecord& record) {
                      if (record.upload_id.empty()) return;
                      (void)client_.abort_multipart_upload(config_.destination->bucket,
                                                           record.object_key, record.upload_id);
                    }});
  if (Status begun = run.feed->begin(); !begun.ok()) return begun.error();
  if (!options.dry_run) run.adopt_legacy_rows();

  transfer::TaskQueue queue(client_.engine(), std::max(1, config_.upload.jobs));
  queue.set_refill([&run, &queue] { return run.refill(queue); });
  queue.set_cancel([&run] { return run.cancelled(); }, options.cancel_grace);
  if (options.follow != nullptr) queue.follow(kFollowInterval);
  queue.run();
  if (!options.dry_run && !run.stop && !run.cancelled()) run.publisher->publish_remaining(queue);
  if (run.index) run.index->commit();
  run.journal_failed(group.finish());
  run.report.cancelled = run.cancelled();
  if (run.fatal) return *run.fatal;
  return run.report;
}

}  // namespace imgsync::app
