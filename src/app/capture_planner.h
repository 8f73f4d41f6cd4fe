// Where one file goes: its capture's name and the keys of its asset and Item. A raw and an
// enhanced file that share a folder (relative to their source) and a stem (media/capture_pairing.h)
// share one capture: the second one joins the first's name and date folder, whatever its own
// metadata says, so both assets sit beside one Item. A file the journal knows keeps its name, so
// an edited file replaces its own objects instead of making new ones.
#pragma once

#include <optional>
#include <string>

#include "app/source_scanner.h"
#include "catalog/journal_store.h"
#include "media/image_metadata.h"
#include "media/naming.h"
#include "media/object_keys.h"
#include "util/result.h"

namespace imgsync::app {

struct PlannedFile {
  std::string name;        // the capture's name (the Item id)
  std::string pair_key;    // how the other file of the capture finds it
  std::string date_path;   // "YYYY/MM/DD"
  std::string object_key;  // where the file goes
  std::string item_key;    // where the capture's Item goes
  bool new_capture = true;
};

class CapturePlanner {
 public:
  CapturePlanner(catalog::JournalStore& journal, std::string prefix,
                 media::NameTemplate name_template, std::string project);

  // Names the file and, unless dry_run, records a new capture in the journal.
  Result<PlannedFile> plan(const ScannedFile& file, const media::ImageMetadata& metadata,
                           const std::optional<catalog::FileRecord>& previous, bool dry_run);

 private:
  std::optional<std::string> owner_of(std::string_view name);

  catalog::JournalStore& journal_;
  std::string prefix_;
  media::NameTemplate name_template_;
  std::string project_;
  media::NameRegistry claimed_;  // names handed out in this run (for dry runs, not yet journalled)
};

}  // namespace imgsync::app
