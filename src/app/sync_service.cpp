#include "app/sync_service.h"

#include <fmt/format.h>

#include <chrono>
#include <deque>
#include <future>
#include <memory>
#include <set>
#include <unordered_set>

#include "app/capture_planner.h"
#include "app/index_follower.h"
#include "app/item_publisher.h"
#include "app/journal_upkeep.h"
#include "app/metadata_reader.h"
#include "app/name_claims.h"
#include "app/object_writes.h"
#include "app/refusal_streak.h"
#include "app/source_scanner.h"
#include "app/sync_feed.h"
#include "catalog/search_index.h"
#include "media/metadata_json.h"
#include "media/object_keys.h"
#include "media/stac_item.h"
#include "media/thumbnail.h"
#include "transfer/object_upload.h"
#include "transfer/task_queue.h"

namespace imgsync::app {
namespace {

using catalog::FileRecord;
using catalog::FileState;
using catalog::RecordErrorKind;

}  // namespace

// The state of one run: the files still to look at, the uploads in flight, the counters.
struct SyncService::Run {
  SyncService& service;
  SyncOptions options;
  SyncReport report;
  SyncProgress progress;
  std::unique_ptr<SyncFeed> feed;  // which files need work
  bool aborted_checked = false;
  std::unique_ptr<CapturePlanner> planner;
  std::unique_ptr<NameClaims> claims;
  std::unique_ptr<ItemPublisher> publisher;
  std::unique_ptr<IndexFollower> index;  // search, kept current beside the journal

  void index_item(const nlohmann::json& item, const std::string& item_key) {
    if (index && !fatal) index->upsert(item, item_key);
  }
  std::optional<Error> fatal;  // journal failure: stop
  bool stop = false;

  Run(SyncService& owner, SyncOptions run_options) : service(owner), options(run_options) {}

  catalog::JournalStore& journal() { return service.journal_; }
  const config::AppConfig& config() { return service.config_; }

  bool cancelled() const { return options.cancel != nullptr && options.cancel->load(); }

  void emit(SyncEvent event) {
    if (service.on_event) service.on_event(event);
  }
  void tick() {
    if (service.on_progress) service.on_progress(progress);
  }
  void journal_failed(const Status& status) {
    if (!status.ok() && !fatal) {
      fatal = status.error();
      stop = true;
    }
  }

  RefusalStreak refusals;
  bool any_success = false;

  void note_refusal(const Error& error) {
    auto stop_error = refusals.note(error, any_success);
    if (!stop_error || report.destination_error) return;
    report.destination_error = *stop_error;
    stop = true;
  }

  // The file's state in the journal, with a record made for it when it failed (or stopped)
  // before any intent was recorded.
  void record_state(const ScannedFile& file, FileState state, const std::string& why,
                    const RecordErrorKind& kind) {
    const std::string path = file.path.string();
    auto known_record = journal().find(path);
    if (known_record.ok() && !*known_record) {
      FileRecord record;
      record.path = path;
      record.source = file.source.string();
      record.kind = config::to_string(file.kind);
      record.stat = file.stat;
      record.state = state;
      record.last_error = why;
      record.error_kind = kind;
      journal_failed(journal().upsert(record));
    } else {
      journal_failed(journal().set_state(path, state, why, kind));
    }
  }

  void fail(const ScannedFile& file, const Error& error) {
    ++report.failed;
    ++progress.files_failed;
    note_refusal(error);
    if (!options.dry_run) {
      const std::string path = file.path.string();
      // Only a file whose own bytes cannot be used is "damaged" (invalid-input, skipped until it
      // changes); a request the server refused is tried again next run.
      const RecordErrorKind kind =
          error.http_status != 0 && error.category == ErrorCategory::kInvalidInput
              ? RecordErrorKind::refused()
              : RecordErrorKind(error.category);
      record_state(file, FileState::kFailed, error.message, kind);
      journal_failed(journal().record_attempt(path));
    }
    emit({SyncEvent::Kind::kFailed, file.path.string(), "", 0, error.message,
          std::string(to_string(error.category)), error.s3_code, error.request_id});
    tick();
  }

  void adopt_legacy_rows() {
    auto note = app::adopt_legacy_rows(config(), journal(), service.client_);
    if (!note.ok()) return journal_failed(note.error());
    if (*note) emit({SyncEvent::Kind::kNote, "", "", 0, **note, ""});
  }

  // Walks on until one upload is started (or nothing is left).
  bool refill(transfer::TaskQueue& queue) {
    while (!stop && !cancelled()) {
      auto work = feed->next();
      if (!work) {
        progress.total_known = true;  // every file is found: the totals are final
        tick();
        return false;
      }
      progress.files_total += 1;
      progress.bytes_total += work->file.stat.size;
      if (!options.dry_run && !aborted_checked) {
        aborted_checked = true;  // only when there is work: an unchanged tree costs no request
        auto aborted = abort_abandoned_uploads(config(), journal(), service.client_);
        if (!aborted.ok()) return journal_failed(aborted.error()), false;
        report.aborted_uploads += *aborted;
      }
      if (start(queue, work->file, work->record)) return true;
    }
    return false;
  }

  // What start() read of a file, kept while its name is claimed and its upload runs.
  struct Prepared {
    media::ImageMetadata metadata;
    FileDigests digests;
    int renames = 0;  // names given up because other content held them
  };

  // `previous`: the journal's record of the file, as looked up by refill(). True when work for
  // it was queued. Metadata that cannot be read never stops the upload: the file goes up with its
  // size, hash, type and file time, and its Item says what failed. Only an unreadable file fails.
  // Where and in which order files are read: metadata_reader.h.
  bool start(transfer::TaskQueue& queue, const ScannedFile& file,
             const std::optional<FileRecord>& previous) {
    const bool large = file.stat.size >= config().upload.multipart_threshold;
    return reader->read(queue, file.path, large,
                        [this, &queue, file, previous](Result<media::ImageMetadata> metadata,
                                                       const FileDigests& digests) {
                          // Read ahead of a stop: left for the next run, as if never started.
                          if (stop || cancelled()) return false;
                          auto prepared = std::make_shared<Prepared>();
                          prepared->digests = digests;
                          return prepare(queue, file, previous, prepared, std::move(metadata));
                        });
  }

  std::unique_ptr<MetadataReader> reader;

  // The file read (metadata and digests): unchanged, or named and uploaded. True when work for
  // it was queued.
  bool prepare(transfer::TaskQueue& queue, const ScannedFile& file,
               const std::optional<FileRecord>& previous, std::shared_ptr<Prepared> prepared,
               Result<media::ImageMetadata> metadata) {
    const std::string path = file.path.string();
    if (!metadata.ok()) return fail(file, metadata.error()), false;
    // Re-stat: what was hashed must be what was scanned, else it is still being written.
    auto now = stat_file(file.path);
    if (!now.ok()) return fail(file, now.error()), false;
    if (!(*now == file.stat) || prepared->digests.bytes != file.stat.size) {
      return fail(file, make_error(ErrorCategory::kRetryable,
                                   path + " changed while it was read; it is retried next time")),
             false;
    }
    if (previous && previous->state == FileState::kUploaded &&
        previous->sha256 == metadata->sha256) {
      // Touched, not changed: remember the new stat, upload nothing.
      ++report.unchanged;
      --progress.files_total;
      progress.bytes_total -= file.stat.size;
      if (!options.dry_run) journal_failed(journal().update_stat(path, file.stat));
      return false;
    }
    if (!metadata->metadata_error.empty()) {
      ++report.metadata_warnings;
      emit({SyncEvent::Kind::kMetadataWarning, path, "", 0, metadata->metadata_error,
            std::string(to_string(ErrorCategory::kInvalidInput))});
    }
    prepared->metadata = std::move(*metadata);
    return launch(queue, file, previous, prepared);
  }

  // Names the file, wins its capture's name on the bucket when that is not yet done, then uploads.
  bool launch(transfer::TaskQueue& queue, const ScannedFile& file,
              const std::optional<FileRecord>& previous, std::shared_ptr<Prepared> prepared) {
    auto planned = planner->plan(file, prepared->metadata, previous, options.dry_run);
    if (!planned.ok()) return fail(file, planned.error()), false;
    if (options.dry_run) {
      ++report.planned;
      report.bytes_planned += file.stat.size;
      emit({SyncEvent::Kind::kPlanned, file.path.string(), planned->object_key, file.stat.size, "",
            ""});
      return false;
    }
    if (planned->claimed) {
      upload(queue, file, previous, prepared, std::move(*planned));
      return true;
    }
    auto shared_planned = std::make_shared<PlannedFile>(std::move(*planned));
    claims->claim(queue, *shared_planned, [=, this, &queue](Result<bool> ours) {
      if (!ours.ok()) return claim_failed(file, *shared_planned, ours.take_error());
      if (!*ours) return rename(queue, file, previous, prepared, *shared_planned);
      upload(queue, file, previous, prepared, *shared_planned);
    });
    return true;
  }

  // The name is held by other content on the bucket: the file takes its next name.
  void rename(transfer::TaskQueue& queue, const ScannedFile& file,
              const std::optional<FileRecord>& previous, std::shared_ptr<Prepared> prepared,
              const PlannedFile& planned) {
    constexpr int kMaxRenames = 16;
    if (Status ok = planner->release_name(planned, file); !ok.ok()) return journal_failed(ok);
    if (++prepared->renames > kMaxRenames) {
      return fail(file, make_error(ErrorCategory::kConflict,
                                   fmt::format("{}: {} names in a row are held by other content "
                                               "on the bucket; set another name_template",
                                               file.path.string(), kMaxRenames)));
    }
    ++report.renamed;
    emit({SyncEvent::Kind::kRenamed, file.path.string(), planned.object_key, 0,
          "the name " + planned.name + " is held by other content on the bucket", ""});
    std::optional<FileRecord> forgotten = previous;
    if (forgotten) forgotten->name.clear();
    launch(queue, file, forgotten, prepared);
  }

  void claim_failed(const ScannedFile& file, const PlannedFile& planned, Error error) {
    progress.files_done += 1;
    progress.bytes_done += file.stat.size;
    if (destination_unusable(error)) {
      if (!report.destination_error) report.destination_error = error;
      stop = true;
      // Pending, so status and a paused daemon count it; the next run starts it again.
      record_state(file, FileState::kPending, error.message, RecordErrorKind(error.category));
      return;
    }
    error.message = "claiming the name " + planned.name + ": " + error.message;
    fail(file, error);
  }

  Result<KeyState> inspect_key(const std::string& key, const std::string& sha,
                               const std::optional<FileRecord>& previous) {
    return app::inspect_key(service.client_, config().destination->bucket, key, sha,
                            previous ? previous->confirmed_key : std::string(),
                            previous ? previous->confirmed_sha256 : std::string());
  }

  // How the file's bytes go to its key, after the overwrite rule.
  struct Overwrite {
    bool if_none_match = true;     // the key must be free (else it is ours to replace)
    bool already_there = false;    // the key holds this very content: nothing to send
    s3::PutObjectResult existing;  // what already_there found at the key
  };

  // The overwrite rule for the file's key; nullopt when the file went elsewhere (renamed, or
  // failed: already reported).
  std::optional<Overwrite> decide_overwrite(transfer::TaskQueue& queue, const ScannedFile& file,
                                            const std::optional<FileRecord>& previous,
                                            const std::shared_ptr<Prepared>& prepared,
                                            const PlannedFile& planned) {
    const bool multipart = file.stat.size >= config().upload.multipart_threshold;
    const bool replaces_own = previous && previous->confirmed_key == planned.object_key &&
                              !previous->confirmed_sha256.empty();
    Overwrite overwrite;
    if (!replaces_own && !multipart) return overwrite;
    // Multipart uploads cannot carry If-None-Match on every server: look first.
    auto at_key = inspect_key(planned.object_key, prepared->metadata.sha256, previous);
    if (!at_key.ok()) return claim_failed(file, planned, at_key.take_error()), std::nullopt;
    if (at_key->at == AtKey::kOtherContent) {
      return rename(queue, file, previous, prepared, planned), std::nullopt;
    }
    overwrite.if_none_match = at_key->at != AtKey::kOurEarlierVersion;
    overwrite.already_there = at_key->at == AtKey::kThisContent;
    overwrite.existing = at_key->held;
    if (previous && previous->error_kind == RecordErrorKind::repair() &&
        at_key->at != AtKey::kFree) {
      // verify found our object altered (its bytes no longer hash to what it claims).
      overwrite.if_none_match = false;
      overwrite.already_there = false;
    }
    return overwrite;
  }

  // Records the intent (state uploading, key, hash) before any byte leaves; a half-done
  // multipart upload of other content is aborted first (its id cleared). The record as written.
  FileRecord record_intent(const ScannedFile& file, const std::optional<FileRecord>& previous,
                           const media::ImageMetadata& metadata, const PlannedFile& planned) {
    const std::string path = file.path.string();
    FileRecord record = previous.value_or(FileRecord{});
    const bool same_content = previous && previous->sha256 == metadata.sha256;
    if (!same_content && !record.upload_id.empty()) {
      // The file changed under a half-done multipart upload: that upload can never complete.
      (void)service.client_.abort_multipart_upload(config().destination->bucket, record.object_key,
                                                   record.upload_id);
      ++report.aborted_uploads;
      journal_failed(journal().clear_upload(path));
      record.upload_id.clear();
    }
    record.path = path;
    record.source = file.source.string();
    record.kind = config::to_string(file.kind);
    record.stat = file.stat;
    record.sha256 = metadata.sha256;
    record.name = planned.name;
    record.object_key = planned.object_key;
    record.item_key = planned.item_key;
    record.state = FileState::kUploading;
    record.metadata_json = media::metadata_to_json(metadata).dump();
    journal_failed(journal().upsert(record));
    return record;
  }

  void upload(transfer::TaskQueue& queue, const ScannedFile& file,
              const std::optional<FileRecord>& previous, std::shared_ptr<Prepared> prepared,
              const PlannedFile& planned) {
    // Cancelled: work under way finishes, but no new file starts sending (this one stays
    // pending for the next run).
    if (cancelled()) return;
    auto overwrite = decide_overwrite(queue, file, previous, prepared, planned);
    if (!overwrite) return;
    const FileRecord record = record_intent(file, previous, prepared->metadata, planned);
    if (stop) return;
    auto planned_file = std::make_shared<PlannedFile>(planned);
    publisher->asset_started(planned.name, file, prepared->metadata);
    if (overwrite->already_there) {
      // Killed after the server took it and before the journal heard: nothing to send.
      ++report.already_there;
      return after_upload(queue, file, prepared, planned_file, overwrite->existing, true,
                          std::chrono::steady_clock::duration{});
    }
    // record_intent kept the upload id only when the content is the same: a resume.
    send(queue, file, previous, prepared, planned_file, overwrite->if_none_match, record.upload_id);
  }

  // The transfer itself (single PUT or multipart, resumed from `resume_upload_id`).
  void send(transfer::TaskQueue& queue, const ScannedFile& file,
            const std::optional<FileRecord>& previous, std::shared_ptr<Prepared> prepared,
            std::shared_ptr<PlannedFile> planned_file, bool if_none_match,
            const std::string& resume_upload_id) {
    const std::string path = file.path.string();
    const media::ImageMetadata& metadata = prepared->metadata;
    transfer::UploadJob job;
    job.path = file.path;
    job.size = file.stat.size;
    job.mtime_ns = file.stat.mtime_ns;
    job.inode = file.stat.inode;
    job.ctime_ns = file.stat.ctime_ns;
    job.digests = prepared->digests;
    job.bucket = config().destination->bucket;
    job.key = planned_file->object_key;
    job.attributes =
        upload_attributes(config(), metadata.mime, metadata.sha256, planned_file->item_key);
    job.if_none_match = if_none_match;
    job.multipart_threshold = config().upload.multipart_threshold;
    job.part_size = config().upload.part_size.value_or(0);
    job.list_parts_page_size = list_parts_page_size();
    job.resume_upload_id = resume_upload_id;

    auto stats = std::make_shared<transfer::UploadStats>();
    transfer::UploadCallbacks callbacks;
    callbacks.upload_created = [this, path](const std::string& upload_id, std::uint64_t part_size) {
      journal_failed(journal().set_upload(path, upload_id, part_size));
    };
    callbacks.part_done = [this, path, key = planned_file->object_key](
                              const s3::CompletedPart& part, std::uint64_t size) {
      auto found = journal().find(path);
      if (found.ok() && *found) {
        journal_failed(
            journal().add_part(path, (*found)->upload_id, {part.part_number, part.etag, size}));
      }
      emit({SyncEvent::Kind::kPartUploaded, path, key, size, "", ""});
    };
    callbacks.done =
        [this, file, previous, prepared, stats, planned_file, queue_ptr = &queue, if_none_match,
         started = std::chrono::steady_clock::now()](Result<s3::PutObjectResult> result) {
          report.parts_reused += stats->parts_reused;
          report.parts_uploaded += stats->parts_uploaded;
          sent(*queue_ptr, file, previous, prepared, planned_file, if_none_match, std::move(result),
               std::chrono::steady_clock::now() - started);
        };
    transfer::start_upload(queue, service.client_, std::move(job), std::move(callbacks),
                           stats.get());
  }

  void sent(transfer::TaskQueue& queue, const ScannedFile& file,
            const std::optional<FileRecord>& previous, std::shared_ptr<Prepared> prepared,
            std::shared_ptr<PlannedFile> planned_file, bool if_none_match,
            Result<s3::PutObjectResult> result, std::chrono::steady_clock::duration took) {
    bool there = false;
    if (!result.ok() && if_none_match && result.error().category == ErrorCategory::kConflict) {
      // The key is taken: by this very content (a run that died before the journal heard),
      // or by other content, which sends the file to its next name.
      auto at_key = inspect_key(planned_file->object_key, prepared->metadata.sha256, previous);
      if (at_key.ok() && at_key->at == AtKey::kOtherContent) {
        publisher->asset_finished(queue, planned_file->name, file);
        return rename(queue, file, previous, prepared, *planned_file);
      }
      if (at_key.ok() && at_key->at == AtKey::kThisContent) {
        result = at_key->held;
        there = true;
        ++report.already_there;
      }
    }
    after_upload(queue, file, prepared, planned_file, std::move(result), there, took);
  }

  void after_upload(transfer::TaskQueue& queue, const ScannedFile& file,
                    std::shared_ptr<Prepared> prepared, std::shared_ptr<PlannedFile> planned,
                    Result<s3::PutObjectResult> result, bool already_there,
                    std::chrono::steady_clock::duration took) {
    finished(file, *planned, prepared->metadata, std::move(result), already_there, took);
    publisher->asset_finished(queue, planned->name, file);
  }

  // Tests shrink ListParts pages to prove a resume follows them (IMGSYNC_TEST_LIST_PARTS_PAGE).
  static int list_parts_page_size() {
    const char* text = std::getenv("IMGSYNC_TEST_LIST_PARTS_PAGE");
    const int size = text != nullptr ? std::atoi(text) : 0;
    return size > 0 && size <= 1000 ? size : 1000;
  }

  void finished(const ScannedFile& file, const PlannedFile& planned,
                const media::ImageMetadata& metadata, Result<s3::PutObjectResult> result,
                bool already_there, std::chrono::steady_clock::duration took) {
    const std::string path = file.path.string();
    progress.files_done += 1;
    progress.bytes_done += file.stat.size;
    if (!result.ok()) {
      Error error = result.take_error();
      if (destination_unusable(error)) {
        if (!report.destination_error) report.destination_error = error;
        stop = true;
        journal_failed(journal().set_state(path, FileState::kPending, error.message,
                                           RecordErrorKind(error.category)));
        return;
      }
      return fail(file, error);
    }
    auto item = publisher->item_with_asset(file, planned.name, planned.item_key, planned.object_key,
                                           metadata);
    if (!item.ok()) return fail(file, item.error());
    const bool thumbnail_due =
        publisher->thumbnail_due(*item, file, planned.name, planned.item_key);
    journal_failed(journal().complete_file(path, planned.name, item->dump(), result->etag,
                                           result->version_id, thumbnail_due));
    index_item(*item, planned.item_key);
    any_success = true;
    if (!already_there) {
      ++report.uploaded;
      report.bytes_uploaded += file.stat.size;
    }
    emit({SyncEvent::Kind::kUploaded, path, planned.object_key, file.stat.size, "", "", "", "",
          std::chrono::duration<double>(took).count()});
    tick();
  }
};

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

Result<SyncReport> SyncService::run(const SyncOptions& options) {
  if (Status ok = require_destination_and_sources(config_); !ok.ok()) return ok.error();
  auto prefix = media::normalize_prefix(config_.destination->key);
  if (!prefix.ok()) return prefix.take_error();
  auto name_template = config_.name_template.empty()
                           ? Result<media::NameTemplate>(media::NameTemplate::default_template())
                           : media::NameTemplate::parse(config_.name_template);
  if (!name_template.ok()) return name_template.take_error();

  Run run(*this, options);
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
  queue.run();
  if (!options.dry_run && !run.stop && !run.cancelled()) run.publisher->publish_remaining(queue);
  if (run.index) run.index->commit();
  run.report.cancelled = run.cancelled();
  if (run.fatal) return *run.fatal;
  return run.report;
}

}  // namespace imgsync::app
