// The progress line: "scanning" while files are still being found (no ETA from a total that is
// still growing), then the real ETA.
#include <gtest/gtest.h>

#include "cli/sync_output.h"

namespace imgsync::cli {
namespace {

TEST(Progress, ScanningUntilTheTotalIsKnownThenARealEta) {
  app::SyncProgress progress;
  progress.files_total = 40;
  progress.files_done = 12;
  progress.bytes_total = 40ULL << 20;
  progress.bytes_done = 10ULL << 20;
  const std::string scanning = format_progress(progress, 5.0);
  EXPECT_EQ(scanning.rfind("scanning: 12/40+ files", 0), 0u) << scanning;
  EXPECT_EQ(scanning.find("ETA"), std::string::npos) << scanning;
  progress.total_known = true;
  const std::string known = format_progress(progress, 5.0);
  // 10 MiB in 5 s: 2 MiB/s, 30 MiB to go: 15 s.
  EXPECT_NE(known.find("12/40 files"), std::string::npos) << known;
  EXPECT_NE(known.find("ETA 15s"), std::string::npos) << known;
}

}  // namespace
}  // namespace imgsync::cli
