// The journal's row shapes, shared by journal_store.cpp (files, schema) and
// journal_captures.cpp (captures). Private to catalog/.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "catalog/journal_store.h"

namespace imgsync::catalog::journal_rows {

// Steps `query` to its end, turning each row into a T with `read`.
template <typename T, typename Reader>
Result<std::vector<T>> collect_rows(Statement& query, Reader read) {
  std::vector<T> rows;
  while (true) {
    auto row = query.step();
    if (!row.ok()) return row.take_error();
    if (!*row) break;
    rows.push_back(read(query));
  }
  return rows;
}

// Every query reads the destination as ?1: one destination's rows, or every row when the store
// has none. Spelled as a plain equality when scoped, so that SQLite uses the (destination, ...)
// keys; an OR here made every lookup a scan of the table (a sync of N files cost N^2).
constexpr const char* kScoped = "destination = ?1";
constexpr const char* kUnscoped = "?1 = ?1";

constexpr const char* kFileColumns =
    "path, source, kind, size, mtime_ns, inode, sha256, name, object_key, item_key, state, "
    "attempts, last_error, error_category, upload_id, part_size, metadata, updated_at, ctime_ns, "
    "confirmed_key, confirmed_sha256, confirmed_etag, confirmed_version_id, destination";

constexpr const char* kCaptureColumns =
    "name, pair_key, owner_sha256, item_key, item_sha256, date_path, item_json, claimed, "
    "thumbnail_due, item_etag";

inline std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline FileRecord read_file_record(const Statement& row) {
  FileRecord record;
  record.path = row.text(0);
  record.source = row.text(1);
  // Journals hold "raw" or "enhanced"; anything else was always read as enhanced.
  record.kind = config::source_kind_named(row.text(2)).value_or(config::SourceKind::kEnhanced);
  record.stat.size = static_cast<std::uint64_t>(row.integer(3));
  record.stat.mtime_ns = row.integer(4);
  record.stat.inode = static_cast<std::uint64_t>(row.integer(5));
  record.sha256 = row.text(6);
  record.name = row.text(7);
  record.object_key = row.text(8);
  record.item_key = row.text(9);
  record.state = file_state_from(row.text(10)).value_or(FileState::kPending);
  record.attempts = static_cast<int>(row.integer(11));
  record.last_error = row.text(12);
  record.error_kind = RecordErrorKind::stored(row.text(13));
  record.upload_id = row.text(14);
  record.part_size = static_cast<std::uint64_t>(row.integer(15));
  record.metadata_json = row.text(16);
  record.updated_at = row.integer(17);
  record.stat.ctime_ns = row.integer(18);
  record.confirmed_key = row.text(19);
  record.confirmed_sha256 = row.text(20);
  record.confirmed_etag = row.text(21);
  record.confirmed_version_id = row.text(22);
  return record;
}

inline CaptureRecordRow read_capture(const Statement& row) {
  return {row.text(0), row.text(1), row.text(2),         row.text(3),         row.text(4),
          row.text(5), row.text(6), row.integer(7) != 0, row.integer(8) != 0, row.text(9)};
}

}  // namespace imgsync::catalog::journal_rows
