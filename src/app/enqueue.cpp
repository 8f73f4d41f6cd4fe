#include "app/enqueue.h"

#include <fstream>

#include "app/source_scanner.h"
#include "app/watch_service.h"
#include "util/file_paths.h"

namespace imgsync::app {

Result<EnqueueOutcome> enqueue_files(catalog::JournalStore& journal,
                                     const config::AppConfig& config,
                                     const std::vector<std::string>& files,
                                     config::SourceKind default_kind) {
  EnqueueOutcome outcome;
  for (const auto& name : files) {
    auto absolute = absolute_path(name);
    if (!absolute.ok()) return absolute.take_error();
    const auto path = absolute->lexically_normal();
    auto stat = stat_file(path);
    if (!stat.ok()) {
      outcome.unreadable_file = stat.take_error();
      return outcome;
    }
    auto classified = classify_path(path, config.sources);
    auto known = journal.find(path.string());
    if (!known.ok()) return known.take_error();
    catalog::FileRecord record = known->value_or(catalog::FileRecord{});
    record.path = path.string();
    record.source = classified ? classified->source.string() : path.parent_path().string();
    record.kind = classified ? classified->kind : default_kind;
    record.stat = *stat;
    record.state = catalog::FileState::kPending;
    // A concurrent daemon writes the same journal; SQLite's locking serialises the two.
    if (Status ok = journal.upsert(record); !ok.ok()) return ok.error();
    ++outcome.queued;
  }
  // Wake a running daemon: it watches the state directory for this file being closed.
  std::ofstream(config.state_dir / kEnqueueNotice) << outcome.queued << "\n";
  return outcome;
}

}  // namespace imgsync::app
