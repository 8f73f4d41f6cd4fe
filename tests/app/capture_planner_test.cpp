// CapturePlanner on a real journal, without S3: pairing by stem and capture time, dry runs that
// plan exactly what a run does, copies of the same bytes joining one capture, released names.
#include "app/capture_planner.h"

#include <gtest/gtest.h>

#include "support/test_paths.h"

namespace imgsync::app {
namespace {

media::ImageMetadata metadata_at(int year, int month, int day, int hour, int minute,
                                 const std::string& sha) {
  media::ImageMetadata metadata;
  metadata.mime = "image/jpeg";
  media::CaptureTime time;
  time.year = year;
  time.month = month;
  time.day = day;
  time.hour = hour;
  time.minute = minute;
  time.source = media::CaptureTimeSource::kExifDateTimeOriginal;
  metadata.captured_at = time;
  metadata.sha256 = sha;
  return metadata;
}

ScannedFile file(const std::string& source, const std::string& relative, config::SourceKind kind) {
  ScannedFile scanned;
  scanned.source = source;
  scanned.relative = relative;
  scanned.path = std::filesystem::path(source) / relative;
  scanned.kind = kind;
  return scanned;
}

const std::string kShaA(64, 'a');
const std::string kShaB(64, 'b');
const std::string kShaC(64, 'c');

class CapturePlannerTest : public ::testing::Test {
 protected:
  CapturePlannerTest() {
    auto opened = catalog::JournalStore::open(dir_.path(), "endpoint|bucket|p");
    EXPECT_TRUE(opened.ok());
    journal_.emplace(std::move(*opened));
  }
  // The planner, fed metadata whose path is the scanned file's (the slug comes from it).
  struct Planner {
    CapturePlanner inner;
    Result<PlannedFile> plan(const ScannedFile& scanned, media::ImageMetadata metadata,
                             const std::optional<catalog::FileRecord>& previous, bool dry_run) {
      metadata.path = scanned.path.string();
      return inner.plan(scanned, metadata, previous, dry_run);
    }
    Status release_name(const PlannedFile& planned, const ScannedFile& scanned) {
      return inner.release_name(planned, scanned);
    }
    void journalled(const PlannedFile& planned, const ScannedFile& scanned) {
      inner.journalled(planned.name, scanned);
    }
  };
  Planner planner() {
    return {CapturePlanner(*journal_, "p", media::NameTemplate::default_template(), "proj")};
  }
  // Records the file as the sync engine does once its name is claimed.
  void record(const ScannedFile& scanned, const PlannedFile& planned, const std::string& sha,
              const std::string& captured_at) {
    catalog::FileRecord row;
    row.path = scanned.path.string();
    row.source = scanned.source.string();
    row.kind = scanned.kind;
    row.sha256 = sha;
    row.name = planned.name;
    row.object_key = planned.object_key;
    row.metadata_json =
        R"({"captured_at":")" + captured_at + R"(","captured_at_source":"exif:DateTimeOriginal"})";
    ASSERT_TRUE(journal_->upsert(row).ok());
  }

  testing::ScratchDir dir_;
  std::optional<catalog::JournalStore> journal_;
};

TEST_F(CapturePlannerTest, RawAndEnhancedPairOnlyWhenTheirTimesAgree) {
  for (bool dry_run : {true, false}) {
    auto plan = planner();
    const auto raw = file("/raw", "d/IMG_1.CR2", config::SourceKind::kRaw);
    const auto same = file("/out", "d/IMG_1.jpg", config::SourceKind::kEnhanced);
    const auto raw2 = file("/raw", "d/IMG_2.CR2", config::SourceKind::kRaw);
    const auto other = file("/out", "d/IMG_2.jpg", config::SourceKind::kEnhanced);
    auto a = plan.plan(raw, metadata_at(2026, 5, 1, 10, 0, kShaA), std::nullopt, dry_run);
    // The export's time is 30 s off the raw's: one capture.
    auto b = plan.plan(same, metadata_at(2026, 5, 1, 10, 0, kShaB), std::nullopt, dry_run);
    auto c = plan.plan(raw2, metadata_at(2020, 1, 1, 9, 0, kShaC), std::nullopt, dry_run);
    // Same stem, another year: another capture.
    auto d = plan.plan(other, metadata_at(2008, 3, 1, 9, 0, std::string(64, 'd')), std::nullopt,
                       dry_run);
    ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
    EXPECT_EQ(a->name, b->name) << dry_run;
    EXPECT_EQ(a->item_key, b->item_key);
    EXPECT_NE(c->name, d->name) << dry_run;
    EXPECT_NE(c->item_key, d->item_key);
    EXPECT_NE(d->object_key.find("/2008/03/01/"), std::string::npos) << d->object_key;
    if (!dry_run) break;
    // The dry run wrote nothing.
    auto none = journal_->capture_by_name(a->name);
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
  }
}

// A run lets go of what it held of a file once the journal names its capture (so its memory does
// not grow with the files it sent): pairing, the two-raws rule and name collisions are then
// decided on the journal, with the same outcomes.
TEST_F(CapturePlannerTest, AJournalledFileIsLetGoAndPlansStayTheSame) {
  auto plan = planner();
  const auto raw = file("/raw", "d/IMG_1.CR2", config::SourceKind::kRaw);
  auto a = plan.plan(raw, metadata_at(2026, 5, 1, 10, 0, kShaA), std::nullopt, false);
  ASSERT_TRUE(a.ok());
  record(raw, *a, kShaA, "2026-05-01T10:00:00");
  plan.journalled(*a, raw);

  const auto export_of_raw = file("/out", "d/IMG_1.jpg", config::SourceKind::kEnhanced);
  auto b = plan.plan(export_of_raw, metadata_at(2026, 5, 1, 10, 0, kShaB), std::nullopt, false);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->name, a->name);  // paired through the journal
  EXPECT_FALSE(b->new_capture);
  record(export_of_raw, *b, kShaB, "2026-05-01T10:00:00");
  plan.journalled(*b, export_of_raw);

  // A second raw of the stem never joins; an export whose time disagrees neither.
  auto c = plan.plan(file("/raw", "d/img_1.NEF", config::SourceKind::kRaw),
                     metadata_at(2026, 5, 1, 10, 0, kShaC), std::nullopt, false);
  auto late = plan.plan(file("/out2", "d/IMG_1.jpg", config::SourceKind::kEnhanced),
                        metadata_at(2026, 5, 1, 12, 0, std::string(64, 'e')), std::nullopt, false);
  ASSERT_TRUE(c.ok() && late.ok());
  EXPECT_NE(c->name, a->name);
  EXPECT_NE(late->name, a->name);

  // Other bytes whose name renders as a's take the next name: a's owner is in the journal.
  const auto same_name = file("/raw", "e/IMG_1.CR2", config::SourceKind::kRaw);
  auto d = plan.plan(same_name, metadata_at(2026, 5, 1, 10, 0, std::string(64, 'f')), std::nullopt,
                     false);
  ASSERT_TRUE(d.ok());
  EXPECT_NE(d->name, a->name);
  EXPECT_NE(d->name, c->name);
}

TEST_F(CapturePlannerTest, TwoRawsNeverMergeEvenBeforeTheirRecordsExist) {
  auto plan = planner();
  // Two raw files whose stems pair (IMG_3 and img_3) in one run: the second may not join.
  auto first = plan.plan(file("/raw", "IMG_3.CR2", config::SourceKind::kRaw),
                         metadata_at(2026, 5, 1, 10, 0, kShaA), std::nullopt, false);
  auto second = plan.plan(file("/raw", "img_3.NEF", config::SourceKind::kRaw),
                          metadata_at(2026, 5, 1, 10, 0, kShaB), std::nullopt, false);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first->name, second->name);
}

TEST_F(CapturePlannerTest, SameBytesInAnotherFolderJoinTheCaptureInsteadOfReplacingIt) {
  auto plan = planner();
  const auto one = file("/raw", "a/shot.jpg", config::SourceKind::kRaw);
  const auto two = file("/out", "b/shot.jpg", config::SourceKind::kEnhanced);
  auto first = plan.plan(one, metadata_at(2026, 5, 1, 10, 0, kShaA), std::nullopt, false);
  ASSERT_TRUE(first.ok());
  record(one, *first, kShaA, "2026-05-01T10:00:00");
  catalog::CaptureRecordRow row = **journal_->capture_by_name(first->name);
  row.item_json = R"({"assets":{"raw":{}}})";
  ASSERT_TRUE(journal_->upsert_capture(row).ok());
  auto second = plan.plan(two, metadata_at(2026, 5, 1, 10, 0, kShaA), std::nullopt, false);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->name, first->name);
  EXPECT_FALSE(second->new_capture);
  EXPECT_EQ((*journal_->capture_by_name(first->name))->item_json, row.item_json);
}

TEST_F(CapturePlannerTest, AReleasedNameIsNeverHandedOutAgain) {
  auto plan = planner();
  const auto scanned = file("/out", "IMG_9.jpg", config::SourceKind::kEnhanced);
  const auto metadata = metadata_at(2026, 5, 1, 10, 0, kShaA);
  auto first = plan.plan(scanned, metadata, std::nullopt, false);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(plan.release_name(*first, scanned).ok());
  EXPECT_FALSE(journal_->capture_by_name(first->name)->has_value());
  auto next = plan.plan(scanned, metadata, std::nullopt, false);
  ASSERT_TRUE(next.ok());
  EXPECT_NE(next->name, first->name);
  EXPECT_EQ(next->name, first->name + "_aaaaaa");  // the hash-suffix rule: deterministic
  EXPECT_EQ(next->claim_key, "p/claims/2026/05/01/" + next->name);
}

}  // namespace
}  // namespace imgsync::app
