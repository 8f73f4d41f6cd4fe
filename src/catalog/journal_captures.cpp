// The journal's captures: one row per capture name and destination, with its Item as last built,
// whether the Item and the thumbnail are on the bucket, and the claim on its name.
#include <fmt/format.h>

#include "catalog/journal_rows.h"
#include "catalog/journal_store.h"

namespace imgsync::catalog {

using namespace journal_rows;  // NOLINT: the row shapes of this store

Result<std::optional<CaptureRecordRow>> JournalStore::capture_where(const std::string& clause,
                                                                    const std::string& value) {
  auto query = scoped(
      fmt::format("SELECT {} FROM captures WHERE {} AND {}", kCaptureColumns, scope(), clause));
  if (!query.ok()) return query.take_error();
  query->bind(2, value);
  auto row = query->step();
  if (!row.ok()) return row.take_error();
  if (!*row) return std::optional<CaptureRecordRow>();
  return std::optional<CaptureRecordRow>(read_capture(*query));
}

Result<std::optional<CaptureRecordRow>> JournalStore::capture_by_name(const std::string& name) {
  return capture_where("name = ?2 LIMIT 1", name);
}

Result<std::optional<CaptureRecordRow>> JournalStore::capture_by_pair_key(
    const std::string& pair_key) {
  // "+name": without it SQLite walked the primary key (destination, name) for its order and
  // checked every capture of the destination, once per file synced (5.5 ms a file at 3,000
  // captures, a sync of 10,000 files quadratic); with it, captures_by_pair_key finds the few.
  return capture_where("pair_key = ?2 ORDER BY +name LIMIT 1", pair_key);
}

Status JournalStore::upsert_capture(const CaptureRecordRow& capture) {
  auto statement =
      scoped(fmt::format("INSERT OR REPLACE INTO captures (destination, {}) VALUES "
                         "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
                         kCaptureColumns));
  if (!statement.ok()) return statement.take_error();
  statement->bind(2, capture.name)
      .bind(3, capture.pair_key)
      .bind(4, capture.owner_sha256)
      .bind(5, capture.item_key)
      .bind(6, capture.item_sha256)
      .bind(7, capture.date_path)
      .bind(8, capture.item_json)
      .bind(9, static_cast<std::int64_t>(capture.claimed ? 1 : 0))
      .bind(10, static_cast<std::int64_t>(capture.thumbnail_due ? 1 : 0))
      .bind(11, capture.item_etag);
  return statement->run();
}

Result<std::vector<CaptureRecordRow>> JournalStore::captures_due_thumbnails() {
  auto query = scoped(fmt::format(
      "SELECT {} FROM captures WHERE {} AND thumbnail_due = 1 AND item_json != '' ORDER BY name",
      kCaptureColumns, scope()));
  if (!query.ok()) return query.take_error();
  return collect_rows<CaptureRecordRow>(*query, read_capture);
}

Status JournalStore::set_thumbnail_uploaded(const std::string& name, const std::string& item_json) {
  auto statement = scoped(
      "UPDATE captures SET thumbnail_due = 0, item_json = ?3, item_sha256 = '' WHERE "
      "destination = ?1 AND name = ?2");
  if (!statement.ok()) return statement.take_error();
  statement->bind(2, name).bind(3, item_json);
  return statement->run();
}

Status JournalStore::clear_thumbnail_due(const std::string& name) {
  return run_scoped("UPDATE captures SET thumbnail_due = 0 WHERE destination = ?1 AND name = ?2",
                    name);
}

Status JournalStore::set_capture_claimed(const std::string& name) {
  return run_scoped("UPDATE captures SET claimed = 1 WHERE destination = ?1 AND name = ?2", name);
}

Status JournalStore::remove_capture(const std::string& name) {
  return run_scoped("DELETE FROM captures WHERE destination = ?1 AND name = ?2", name);
}

Status JournalStore::mark_item_dirty(const std::string& name) {
  return run_scoped("UPDATE captures SET item_sha256 = '' WHERE destination = ?1 AND name = ?2",
                    name);
}

Result<std::vector<CaptureRecordRow>> JournalStore::dirty_captures() {
  auto query = scoped(fmt::format(
      "SELECT {} FROM captures WHERE {} AND item_sha256 = '' AND item_json != '' ORDER BY name",
      kCaptureColumns, scope()));
  if (!query.ok()) return query.take_error();
  return collect_rows<CaptureRecordRow>(*query, read_capture);
}

Status JournalStore::set_item_uploaded(const std::string& name, const std::string& item_json,
                                       const std::string& stored, const std::string& item_sha256,
                                       const std::string& item_etag) {
  // Changed since it was sent: still dirty. Its ETag is the one the next write goes over only
  // when the bucket holds what was sent (the change was made to that); over a merge, the change
  // lacks what the merge added, and the next write must merge again.
  auto statement = scoped(
      "UPDATE captures SET item_etag = ?6, "
      "item_sha256 = CASE WHEN item_json = ?4 THEN ?3 ELSE item_sha256 END, "
      "item_json = CASE WHEN item_json = ?4 THEN ?5 ELSE item_json END "
      "WHERE destination = ?1 AND name = ?2 AND (item_json = ?4 OR ?4 = ?5)");
  if (!statement.ok()) return statement.take_error();
  statement->bind(2, name)
      .bind(3, item_sha256)
      .bind(4, item_json)
      .bind(5, stored)
      .bind(6, item_etag);
  return statement->run();
}

Status JournalStore::complete_file(const std::string& path, const std::string& capture_name,
                                   const std::string& item_json, const std::string& etag,
                                   const std::string& version_id, bool thumbnail_due) {
  Database::Transaction transaction(database_);
  if (!transaction.begun().ok()) return transaction.begun();
  auto file = scoped(
      "UPDATE files SET state = 'uploaded', last_error = '', error_category = '', upload_id = '', "
      "part_size = 0, updated_at = ?3, confirmed_key = object_key, confirmed_sha256 = sha256, "
      "confirmed_etag = ?4, confirmed_version_id = ?5 WHERE destination = ?1 AND path = ?2");
  if (!file.ok()) return file.take_error();
  file->bind(2, path).bind(3, now_seconds()).bind(4, etag).bind(5, version_id);
  if (Status ok = file->run(); !ok.ok()) return ok;
  if (Status ok = run_scoped("DELETE FROM parts WHERE destination = ?1 AND path = ?2", path);
      !ok.ok()) {
    return ok;
  }
  auto capture = scoped(
      "UPDATE captures SET item_json = ?3, item_sha256 = '', thumbnail_due = MAX(thumbnail_due, "
      "?4) WHERE destination = ?1 AND name = ?2");
  if (!capture.ok()) return capture.take_error();
  capture->bind(2, capture_name).bind(3, item_json).bind(4, std::int64_t{thumbnail_due ? 1 : 0});
  if (Status ok = capture->run(); !ok.ok()) return ok;
  return transaction.commit();
}

Result<std::vector<FileRecord>> JournalStore::files_of_capture(const std::string& name) {
  auto query = scoped(fmt::format("SELECT {} FROM files WHERE {} AND name = ?2 ORDER BY kind DESC",
                                  kFileColumns, scope()));
  if (!query.ok()) return query.take_error();
  query->bind(2, name);
  return collect_rows<FileRecord>(*query, read_file_record);
}

}  // namespace imgsync::catalog
