// Where one file goes: its capture's name and the keys of its asset and Item. A raw and an
// enhanced file that share a folder (relative to their source) and a stem (media/capture_pairing.h)
// share one capture when their capture times agree (within a minute, or one of them has no time
// of its own): the second one joins the first's name and date folder, so both assets sit beside
// one Item. A file the journal knows keeps its name, so an edited file replaces its own objects
// instead of making new ones. A dry run plans exactly as a real run does (pairing included),
// holding its captures in memory instead of the journal.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "app/source_scanner.h"
#include "catalog/journal_store.h"
#include "media/image_metadata.h"
#include "media/naming.h"
#include "media/object_keys.h"
#include "util/result.h"

namespace imgsync::app {

struct PlannedFile {
  std::string name;          // the capture's name (the Item id)
  std::string pair_key;      // how the other file of the capture finds it
  std::string date_path;     // "YYYY/MM/DD"
  std::string object_key;    // where the file goes
  std::string item_key;      // where the capture's Item goes
  std::string claim_key;     // the capture's claim on the bucket (claims/YYYY/MM/DD/<name>)
  std::string owner_sha256;  // the content that claims the name
  bool new_capture = true;
  bool claimed = false;  // the claim is confirmed (journal): nothing to claim
};

class CapturePlanner {
 public:
  CapturePlanner(catalog::JournalStore& journal, std::string prefix,
                 media::NameTemplate name_template, std::string project);

  // Names the file and, unless dry_run, records a new capture in the journal.
  Result<PlannedFile> plan(const ScannedFile& file, const media::ImageMetadata& metadata,
                           const std::optional<catalog::FileRecord>& previous, bool dry_run);

  // `planned.name` is held on the bucket by other content (its claim or its key names another
  // sha256): the name is never handed out again, and a capture this file had just started
  // there is forgotten. Plan the file again (as a new capture) to get its next name.
  Status release_name(const PlannedFile& planned, const ScannedFile& file);

  // The file's journal record names `name` now (a real run): what the run held of the capture
  // for this file is in the journal, and is let go, so that a run keeps no state per file it
  // finished (its memory stays flat however many files it sends).
  void journalled(const std::string& name, const ScannedFile& file);

 private:
  // A capture this run planned files into. A dry run keeps its rows here instead of the
  // journal; a real run keeps the kinds and time here too, since its files' journal records are
  // written only once their names are claimed.
  struct RunCapture {
    catalog::CaptureRecordRow row;
    std::map<config::SourceKind, std::string> paths_by_kind;  // the path of each kind
    std::optional<media::CaptureTime> captured_at;
  };

  std::optional<std::string> owner_of(std::string_view name);
  Result<std::optional<catalog::CaptureRecordRow>> partner_for(const ScannedFile& file,
                                                               const media::ImageMetadata& metadata,
                                                               const std::string& pair_key);
  Result<bool> capture_has_other_of_kind(const std::string& name, const ScannedFile& file);
  Result<bool> times_agree(const std::string& name, const media::ImageMetadata& metadata);
  Result<PlannedFile> finish(PlannedFile planned, const ScannedFile& file,
                             const media::ImageMetadata& metadata, bool dry_run);

  catalog::JournalStore& journal_;
  std::string prefix_;
  media::NameTemplate name_template_;
  std::string project_;
  media::NameRegistry claimed_;  // names handed out in this run (for dry runs, not yet journalled)
  std::set<std::string, std::less<>> taken_elsewhere_;  // names other content holds on the bucket
  std::map<std::string, RunCapture> run_captures_;      // by name
  std::map<std::string, std::string> dry_by_pair_key_;  // dry run: pair key -> name
  bool dry_run_ = false;
  std::set<std::string> forced_new_;  // paths that must not join a capture (released names)
};

// The local wall-clock seconds of a capture time (its offset ignored), to compare two times of
// one camera's clock.
std::int64_t local_seconds(const media::CaptureTime& time);

}  // namespace imgsync::app
