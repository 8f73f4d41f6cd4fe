#include "app/journal_group_commit.h"

namespace imgsync::app {

JournalGroupCommit::JournalGroupCommit(catalog::JournalStore& journal, s3::HttpEngine& engine,
                                       std::function<void(const Status&)> failed)
    : journal_(journal), engine_(engine), failed_(std::move(failed)) {
  journal_.begin_group_commit([this, alive = alive_] {
    engine_.schedule(kWindow, [this, alive] {
      if (!*alive || finished_) return;
      if (Status committed = journal_.commit_group(); !committed.ok() && failed_) {
        failed_(committed);
      }
    });
  });
}

JournalGroupCommit::~JournalGroupCommit() {
  *alive_ = false;
  (void)finish();
}

Status JournalGroupCommit::commit_now() {
  return journal_.commit_group();
}

Status JournalGroupCommit::finish() {
  if (finished_) return {};
  finished_ = true;
  return journal_.end_group_commit();
}

}  // namespace imgsync::app
