// The state of one sync run (SyncService::Run), shared by the files that make up the upload step
// (sync_service.h); private to them. Each file implements one part of it:
//   sync_service.cpp      the run itself: its parts put together, the queue run, the report;
//   sync_run.cpp          the run's bookkeeping: files fed in one by one, and how each ends
//                         (failed, left pending, uploaded) in the journal, the report, the events;
//   sync_file_plan.cpp    one file from its read to its upload: unchanged or not, named, its
//                         capture's name claimed, renamed, the overwrite rule (with verify's
//                         repairs);
//   sync_file_upload.cpp  the upload: intent journaled, the transfer, what the server answered.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "app/capture_planner.h"
#include "app/index_follower.h"
#include "app/item_publisher.h"
#include "app/journal_group_commit.h"
#include "app/metadata_reader.h"
#include "app/name_claims.h"
#include "app/object_writes.h"
#include "app/refusal_streak.h"
#include "app/sync_feed.h"
#include "app/sync_service.h"
#include "transfer/task_queue.h"

namespace imgsync::app {

// The state of one run: the files still to look at, the uploads in flight, the counters.
struct SyncService::Run {
  using FileRecord = catalog::FileRecord;
  using FileState = catalog::FileState;
  using RecordErrorKind = catalog::RecordErrorKind;

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
  JournalGroupCommit* group = nullptr;   // the run's journal writes, committed together
  // Commits the journal's open group now: what follows needs the writes before it durable.
  void commit_journal() {
    if (group != nullptr && !fatal) journal_failed(group->commit_now());
  }

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

  // --- sync_run.cpp: feeding files in, and how each one ends.

  void note_refusal(const Error& error);
  // The file's state in the journal, with a record made for it when it failed (or stopped)
  // before any intent was recorded.
  void record_state(const ScannedFile& file, FileState state, const std::string& why,
                    const RecordErrorKind& kind);
  void fail(const ScannedFile& file, const Error& error);
  void adopt_legacy_rows();
  // Walks on until one upload is started (or nothing is left).
  bool refill(transfer::TaskQueue& queue);
  // Watch: the files that became ready meanwhile, into the feed. False when there were none.
  bool take_followed();
  // Claiming the capture's name failed: a destination that is unusable stops the run (the file
  // stays pending), any other error fails the file.
  void claim_failed(const ScannedFile& file, const PlannedFile& planned, Error error);
  // What the server answered for the file's upload (or what was already there), in the journal,
  // the search index, the report and the events.
  void finished(const ScannedFile& file, const PlannedFile& planned,
                const media::ImageMetadata& metadata, Result<s3::PutObjectResult> result,
                bool already_there, std::chrono::steady_clock::duration took);

  // --- sync_file_plan.cpp: from the file's read to its upload.

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
             const std::optional<FileRecord>& previous);

  std::unique_ptr<MetadataReader> reader;
  // Hashes the parts of files sent in parts; made by the first such file. Apart from the
  // reader's threads that hash whole large files ahead of their upload, so that a part of an
  // upload under way never waits behind another file's whole-file hash.
  std::unique_ptr<transfer::OffLoop> part_hashers;

  // The file read (metadata and digests): unchanged, or named and uploaded. True when work for
  // it was queued.
  bool prepare(transfer::TaskQueue& queue, const ScannedFile& file,
               const std::optional<FileRecord>& previous, std::shared_ptr<Prepared> prepared,
               Result<media::ImageMetadata> metadata);
  // Names the file, wins its capture's name on the bucket when that is not yet done, then uploads.
  bool launch(transfer::TaskQueue& queue, const ScannedFile& file,
              const std::optional<FileRecord>& previous, std::shared_ptr<Prepared> prepared);
  // The name is held by other content on the bucket: the file takes its next name.
  void rename(transfer::TaskQueue& queue, const ScannedFile& file,
              const std::optional<FileRecord>& previous, std::shared_ptr<Prepared> prepared,
              const PlannedFile& planned);
  Result<KeyState> inspect_key(const std::string& key, const std::string& sha,
                               const std::optional<FileRecord>& previous);

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
                                            const PlannedFile& planned);

  // --- sync_file_upload.cpp: the upload itself.

  // Records the intent (state uploading, key, hash) before any byte leaves; a half-done
  // multipart upload of other content is aborted first (its id cleared). The record as written.
  FileRecord record_intent(const ScannedFile& file, const std::optional<FileRecord>& previous,
                           const media::ImageMetadata& metadata, const PlannedFile& planned);
  void upload(transfer::TaskQueue& queue, const ScannedFile& file,
              const std::optional<FileRecord>& previous, std::shared_ptr<Prepared> prepared,
              const PlannedFile& planned);
  // The transfer itself (single PUT or multipart, resumed from `resume_upload_id`).
  void send(transfer::TaskQueue& queue, const ScannedFile& file,
            const std::optional<FileRecord>& previous, std::shared_ptr<Prepared> prepared,
            std::shared_ptr<PlannedFile> planned_file, bool if_none_match,
            const std::string& resume_upload_id);
  void sent(transfer::TaskQueue& queue, const ScannedFile& file,
            const std::optional<FileRecord>& previous, std::shared_ptr<Prepared> prepared,
            std::shared_ptr<PlannedFile> planned_file, bool if_none_match,
            Result<s3::PutObjectResult> result, std::chrono::steady_clock::duration took);
  void after_upload(transfer::TaskQueue& queue, const ScannedFile& file,
                    std::shared_ptr<Prepared> prepared, std::shared_ptr<PlannedFile> planned,
                    Result<s3::PutObjectResult> result, bool already_there,
                    std::chrono::steady_clock::duration took);
  // Tests shrink ListParts pages to prove a resume follows them (IMGSYNC_TEST_LIST_PARTS_PAGE).
  static int list_parts_page_size();
};

}  // namespace imgsync::app
