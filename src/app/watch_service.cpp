#include "app/watch_service.h"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <map>

#include "app/source_scanner.h"
#include "util/file_paths.h"
#include "watch/inotify_watcher.h"

namespace imgsync::app {
namespace {

using Clock = std::chrono::steady_clock;

struct Candidate {
  ScannedFile file;
  Clock::time_point changed_at;
};

// At most this many files join a run while it is under way; then it finishes and the next run
// begins, so a run's bookkeeping (the files it took) stays bounded under a steady stream.
constexpr int kFollowedPerRun = 5000;

}  // namespace

// The watch loop is the sync run's FileFollower: files that settle while a run is under way join
// it (SyncOptions::follow), so a busy run never holds them back.
struct WatchService::Loop : FileFollower {
  Loop(WatchService& owner, const WatchOptions& watch_options, watch::InotifyWatcher inotify)
      : service(owner), options(watch_options), watcher(std::move(inotify)) {}

  WatchService& service;
  const WatchOptions& options;
  watch::InotifyWatcher watcher;
  std::map<std::string, Candidate> candidates;  // closed files settling or awaiting a marker
  bool need_rescan = true;                      // start-up: reconcile with the journal
  bool need_enqueued = true;
  std::optional<Clock::time_point> paused_until;  // endpoint unreachable: back off
  std::chrono::milliseconds backoff{0};
  int reported_depth = -1;
  int held_while_paused = 0;  // pending in the journal when the last pass met a dead destination
  int followed = 0;           // files that joined the pass under way
  bool stop_following = false;
  std::vector<watch::WatchEvent> followed_events;  // their buffer

  std::chrono::milliseconds settle() const {
    return std::chrono::milliseconds(
        static_cast<long long>(service.config_.settle_seconds * 1000.0));
  }
  bool stopping() const { return options.stop != nullptr && options.stop->load(); }
  bool reloading() const { return options.reload != nullptr && options.reload->load(); }
  void notice(const std::string& text) {
    if (service.on_notice) service.on_notice(text);
  }
  // Candidates, plus the files of the pass under way (`in_pass`), plus while paused the files the
  // journal holds for the rescan that follows the pause.
  void report_queue(int in_pass) {
    const int depth = static_cast<int>(candidates.size()) + in_pass + held_while_paused;
    if (service.on_queue_depth && depth != reported_depth) service.on_queue_depth(depth);
    reported_depth = depth;
  }

  // One sync pass; false when the journal failed.
  Result<bool> sync(SyncOptions sync_options) {
    SyncService sync(service.config_, service.journal_, service.client_);
    sync.on_event = service.on_event;
    sync.on_progress = [this](const SyncProgress& progress) {
      report_queue(std::max(0, progress.files_total - progress.files_done));
    };
    sync_options.cancel = options.stop;
    sync_options.metadata_pool = options.metadata_pool;
    sync_options.follow = this;
    followed = 0;
    stop_following = false;
    auto report = sync.run(sync_options);
    if (!report.ok()) return report.take_error();
    accumulate(*report);
    for (auto& file : report->deferred) {
      const std::string path = file.path.string();
      if (!candidates.count(path)) candidates[path] = {std::move(file), Clock::now()};
    }
    held_while_paused = 0;
    if (report->destination_error) {
      auto counts = service.journal_.counts();
      if (counts.ok()) {
        held_while_paused =
            static_cast<int>(counts->by_state["pending"] + counts->by_state["uploading"]);
      }
    }
    report_queue(0);
    if (report->destination_error) {
      if (backoff.count() == 0 && service.on_pause) {
        service.on_pause(true, report->destination_error->message);
      }
      backoff = next_backoff(backoff, options.max_backoff);
      paused_until = Clock::now() + backoff;
      need_rescan = true;  // whatever was not done is found again by the rescan
      notice(fmt::format("destination unusable ({}); pausing, retrying in {} s",
                         report->destination_error->message, backoff.count() / 1000.0));
    } else if (backoff.count() > 0) {
      backoff = std::chrono::milliseconds(0);
      notice("destination reachable again; resuming");
      if (service.on_pause) service.on_pause(false, "");
    }
    return true;
  }

  void accumulate(const SyncReport& report) {
    SyncReport& totals = service.totals_;
    totals.scanned += report.scanned;
    totals.uploaded += report.uploaded;
    totals.already_there += report.already_there;
    totals.failed += report.failed;
    totals.items_uploaded += report.items_uploaded;
    totals.items_failed += report.items_failed;
    totals.thumbnails_uploaded += report.thumbnails_uploaded;
    totals.thumbnails_failed += report.thumbnails_failed;
    totals.parts_reused += report.parts_reused;
    totals.bytes_uploaded += report.bytes_uploaded;
    totals.unchanged = report.unchanged;
    totals.failed_earlier = report.failed_earlier;
  }

  void on_file_event(const std::filesystem::path& path) {
    if (path.parent_path() == service.config_.state_dir) {
      if (path.filename() == kEnqueueNotice) need_enqueued = true;
      return;
    }
    if (auto file = classify_path(path, service.config_.sources)) {
      const std::string key = file->path.string();  // before *file is moved from
      candidates[key] = {std::move(*file), Clock::now()};
      return;
    }
    // Not an image: perhaps the marker or sidecar some candidate waits for. Check those in the
    // same folder now rather than at their next deadline.
    for (auto& [candidate_path, candidate] : candidates) {
      if (candidate.file.path.parent_path() == path.parent_path()) {
        candidate.changed_at = std::min(candidate.changed_at, Clock::now() - settle());
      }
    }
  }

  // Candidates that settled (unchanged for the settle time) and have their marker.
  std::vector<ScannedFile> take_settled() {
    std::vector<ScannedFile> ready;
    const auto now = Clock::now();
    for (auto it = candidates.begin(); it != candidates.end();) {
      Candidate& candidate = it->second;
      if (now - candidate.changed_at < settle()) {
        ++it;
        continue;
      }
      auto stat = stat_file(candidate.file.path);
      if (!stat.ok()) {  // gone (moved away, deleted): nothing to upload
        it = candidates.erase(it);
        continue;
      }
      if (!(*stat == candidate.file.stat)) {  // still being written
        candidate.file.stat = *stat;
        candidate.changed_at = now;
        ++it;
        continue;
      }
      if (!marker_present(candidate.file)) {
        candidate.changed_at = now + std::chrono::hours(24 * 365);  // woken by the marker's event
        ++it;
        continue;
      }
      ready.push_back(std::move(candidate.file));
      it = candidates.erase(it);
    }
    return ready;
  }

  std::vector<ScannedFile> enqueued() {
    std::vector<ScannedFile> files;
    auto pending = service.journal_.all(catalog::FileState::kPending);
    if (!pending.ok()) return files;
    for (const auto& record : *pending) {
      if (auto file = scanned_from_record(record)) files.push_back(std::move(*file));
    }
    return files;
  }

  int poll_timeout_ms() const {
    std::optional<Clock::time_point> next;
    for (const auto& [path, candidate] : candidates) {
      const auto due = candidate.changed_at + settle();
      if (!next || due < *next) next = due;
    }
    if (paused_until && (!next || *paused_until < *next)) next = paused_until;
    if (!next) return -1;
    const auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(*next - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(wait + 1, 0, 60000));
  }

  // The sync that is due, if any: a full rescan, the files enqueued in the journal, or the files
  // that settled. True when one was due (the loop looks again before it waits).
  Result<bool> run_due_sync() {
    if (need_rescan) {
      need_rescan = false;
      need_enqueued = false;  // a rescan takes the journal's pending files too
      SyncOptions full;
      full.min_age = settle();
      if (auto ok = sync(full); !ok.ok()) return ok.take_error();
      return true;
    }
    if (need_enqueued) {
      need_enqueued = false;
      auto files = enqueued();
      if (!files.empty()) {
        SyncOptions given;
        given.files = std::move(files);
        if (auto ok = sync(given); !ok.ok()) return ok.take_error();
      }
      return true;
    }
    auto ready = take_settled();
    if (ready.empty()) return false;
    SyncOptions given;
    given.files = std::move(ready);
    if (auto ok = sync(given); !ok.ok()) return ok.take_error();
    return true;
  }

  // --once is done: no candidate will settle within a day (only marker-less files left, or none).
  bool nothing_will_settle() const {
    bool waiting = false;
    for (const auto& [path, candidate] : candidates) {
      waiting = waiting || candidate.changed_at < Clock::now() + std::chrono::hours(24);
    }
    return !waiting;
  }

  // FileFollower, while a pass is under way: the files that settled meanwhile. Nothing once a
  // rescan or the journal's enqueued files are due (the pass ends, they come next), on stop or
  // reload, and after kFollowedPerRun files.
  std::vector<ScannedFile> take_ready() override {
    if (stop_following || stopping() || reloading() || need_rescan || need_enqueued ||
        followed >= kFollowedPerRun) {
      return {};
    }
    if (Status ok = take_events(followed_events); !ok.ok()) {
      stop_following = true;  // the loop reads (and reports) it again after the pass
      return {};
    }
    auto ready = take_settled();
    followed += static_cast<int>(ready.size());
    return ready;
  }

  void give_back(ScannedFile file) override {
    stop_following = true;  // the pass ends soon; the next takes the file
    const std::string path = file.path.string();
    candidates[path] = {std::move(file), Clock::now() - settle()};
  }

  // Waits for inotify events, a wake-up on options.wake_fd or the next file due to settle, then
  // takes the events in (`events`: their buffer).
  Status wait_for_events(std::vector<watch::WatchEvent>& events) {
    pollfd fds[2] = {{watcher.fd(), POLLIN, 0}, {options.wake_fd, POLLIN, 0}};
    const int count = options.wake_fd >= 0 ? 2 : 1;
    if (poll(fds, count, poll_timeout_ms()) < 0 && errno != EINTR) {
      return make_error(ErrorCategory::kLocalIo, "poll on inotify failed");
    }
    if (count == 2 && (fds[1].revents & POLLIN)) {
      char drain[64];
      while (read(options.wake_fd, drain, sizeof drain) > 0) {
      }
    }
    return take_events(events);
  }

  // The events inotify has now (without waiting), taken in: files to settle, rescans due.
  Status take_events(std::vector<watch::WatchEvent>& events) {
    events.clear();
    if (Status ok = watcher.read_events(events); !ok.ok()) return ok;
    for (const auto& event : events) {
      switch (event.kind) {
        case watch::WatchEvent::Kind::kFileReady:
          on_file_event(event.path);
          break;
        case watch::WatchEvent::Kind::kOverflow:
          notice("inotify queue overflowed; rescanning every folder");
          need_rescan = true;
          break;
        case watch::WatchEvent::Kind::kRootGone:
          notice(fmt::format("{} was moved or deleted; rescanning", event.path.string()));
          need_rescan = true;
          break;
      }
    }
    return {};
  }

  Result<WatchExit> run() {
    for (const auto& source : service.config_.sources) {
      auto folder = absolute_path(source.path);
      if (!folder.ok()) return folder.take_error();
      if (Status ok = watcher.add_tree(*folder); !ok.ok()) return ok.error();
    }
    if (Status made = create_folder(service.config_.state_dir, "the state directory"); !made.ok()) {
      return made.error();
    }
    if (Status ok = watcher.add_folder(service.config_.state_dir); !ok.ok()) return ok.error();
    notice(fmt::format("watching {} folders under {} sources (settle {} s)",
                       watcher.watch_count() - 1, service.config_.sources.size(),
                       service.config_.settle_seconds));
    // For scripts (`--json`): from here on no file written under the folders is missed.
    if (service.on_event) {
      const auto& sources = service.config_.sources;
      service.on_event({.kind = SyncEvent::Kind::kWatching,
                        .path = sources.empty() ? "" : sources.front().path.string()});
    }
    std::vector<watch::WatchEvent> events;
    for (;;) {
      if (stopping()) return WatchExit::kStopped;
      if (reloading()) return WatchExit::kReload;
      const bool paused = paused_until && Clock::now() < *paused_until;
      if (!paused) {
        paused_until.reset();
        auto synced = run_due_sync();
        if (!synced.ok()) return synced.take_error();
        if (*synced) continue;
        if (options.once && nothing_will_settle()) return WatchExit::kIdle;
      }
      if (Status ok = wait_for_events(events); !ok.ok()) return ok.error();
      report_queue(0);
    }
  }
};

std::chrono::milliseconds next_backoff(std::chrono::milliseconds current,
                                       std::chrono::milliseconds max) {
  return std::min(max, std::max(std::chrono::milliseconds(1000), current * 2));
}

WatchService::WatchService(const config::AppConfig& config, catalog::JournalStore& journal,
                           s3::S3Client& client)
    : config_(config), journal_(journal), client_(client) {}

Result<WatchExit> WatchService::run(const WatchOptions& options) {
  if (Status ok = require_destination_and_sources(config_, " to watch"); !ok.ok()) {
    return ok.error();
  }
  auto watcher = watch::InotifyWatcher::create();
  if (!watcher.ok()) return watcher.take_error();
  Loop loop(*this, options, std::move(*watcher));
  return loop.run();
}

}  // namespace imgsync::app
