// A sync run's journal writes in few commits (Database::begin_group). Each file's path through a
// run writes the journal five or six times (attempt, capture, claim, intent, completion, Item);
// alone, each is a commit of its own: a WAL append of every page it touched and a lock round.
// Grouped, the writes commit together: at the latest kWindow after the first write of a group (a
// timer on the transfer loop, so the lock is never held longer, even while the loop waits on the
// network), and at once wherever the run needs them durable: a file's intent before its first
// byte leaves (commit_now()), a multipart upload's id before its first part. A crash loses at most
// the completions of the last window; the next run finds those files on the bucket
// (already_there), as it does for a crash between an upload and its journal write.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "catalog/journal_store.h"
#include "s3/http_engine.h"

namespace imgsync::app {

class JournalGroupCommit {
 public:
  static constexpr std::chrono::milliseconds kWindow{50};

  // `failed` hears a commit that failed (its writes are lost: the run stops).
  JournalGroupCommit(catalog::JournalStore& journal, s3::HttpEngine& engine,
                     std::function<void(const Status&)> failed);
  ~JournalGroupCommit();  // finish()
  JournalGroupCommit(const JournalGroupCommit&) = delete;
  JournalGroupCommit& operator=(const JournalGroupCommit&) = delete;

  // Commits what is open now (nothing when nothing is).
  Status commit_now();
  // Commits, and each write is its own transaction again.
  Status finish();

 private:
  catalog::JournalStore& journal_;
  s3::HttpEngine& engine_;
  std::function<void(const Status&)> failed_;
  bool finished_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for a timer that outlives it
};

}  // namespace imgsync::app
