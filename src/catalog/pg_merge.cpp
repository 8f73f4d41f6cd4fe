// Merging many Items into the shared catalog at once (catalog/pg_item_index.h): `index pull`,
// `index migrate`, forwarding. A batch of Items is COPYed into a staging table of the session
// (TEMP: private to the connection, never logged), then a few set-wise statements do what
// imgsync.put_item does Item by Item, with the same outcomes:
//
//   1. the heads of Items the catalog lacks are inserted (ON CONFLICT DO NOTHING: a writer
//      inserting the same Item at the same moment is waited for, then seen as holding it);
//   2. the heads it holds are locked in id order (the order every bulk writer takes them in)
//      and their `updated` times read back: they decide every Item's outcome here;
//   3. the rows of Items replaced by a strictly newer copy are deleted (a new copy may move to
//      another year's partition), their heads updated, and the new rows inserted.
//
// An Item met twice in a batch is staged once, as its first copy with the newest `updated`
// (what merging the copies one by one would leave), and each copy is given the outcome merging
// one by one would have given it.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "catalog/pg_item_index.h"

namespace imgsync::catalog {
namespace {

using nlohmann::json;

// Columns in the order of pg_item_params() (put_item's $1-$28), then the merge's own.
constexpr const char* kStage = R"sql(
CREATE TEMP TABLE IF NOT EXISTS imgsync_stage (
  collection text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, datetime_ms bigint NOT NULL,
  item_key text, raw_key text, enhanced_key text, thumbnail_key text, utc_start_ms bigint,
  utc_end_ms bigint, local_ms bigint, utc_offset_minutes integer, latitude float8,
  longitude float8, altitude float8, make text, model text, camera text COLLATE "C", lens text,
  width bigint, height bigint, orientation integer, bytes bigint, created text, tags text[],
  tags_folded text[] COLLATE "C", item_json text, span_from float8, span_until float8,
  updated_ms bigint NOT NULL, position integer NOT NULL);
TRUNCATE pg_temp.imgsync_stage;
)sql";

constexpr const char* kCopy = "COPY pg_temp.imgsync_stage FROM STDIN";

// Each year's partition (one instant of each year the batch holds), before a row of it is
// written.
constexpr const char* kPartitions =
    "SELECT imgsync.make_partition(imgsync.ms_time(ms)) FROM unnest($1::bigint[]) ms";

// The staged ids, for an index scan of heads by primary key: joined to the staging table
// instead, the planner (which has no statistics of it) hashes every head of the catalog.
#define IMGSYNC_STAGED_IDS \
  "h.collection = $1 AND h.id = ANY(ARRAY(SELECT id FROM pg_temp.imgsync_stage))"

// 1. The heads the catalog holds, locked, with their `updated` times.
constexpr const char* kLockHeld =
    "SELECT h.id, h.updated_ms FROM imgsync.heads h WHERE " IMGSYNC_STAGED_IDS
    " ORDER BY h.id FOR UPDATE";

// put_item's ROW(...) (pg_item_index.cpp) from a staged row `s`.
#define IMGSYNC_STAGED_ROW                                                                      \
  "s.collection, s.id, imgsync.ms_time(s.datetime_ms), s.item_key, s.raw_key, s.enhanced_key, " \
  "s.thumbnail_key, s.utc_start_ms, s.utc_end_ms, s.local_ms, s.utc_offset_minutes, "           \
  "s.latitude, s.longitude, s.altitude, ST_SetSRID(ST_MakePoint(s.longitude, s.latitude), "     \
  "4326), s.make, s.model, s.camera, s.lens, s.width, s.height, s.orientation, s.bytes, "       \
  "s.created, s.tags, s.tags_folded, s.item_json, ST_MakeLine(ST_MakePoint(s.longitude, "       \
  "s.latitude, s.span_from), ST_MakePoint(s.longitude, s.latitude, s.span_until))"

// 2. The Items it lacks: their heads (change sequence in the batch's order) and rows; their
// ids. A head another writer inserted meanwhile is waited for and left alone (step 3 then).
constexpr const char* kInsertFresh =
    "WITH fresh AS (INSERT INTO imgsync.heads SELECT collection, id, "
    "imgsync.ms_time(datetime_ms), updated_ms, nextval('imgsync.change_sequence'), false FROM "
    "pg_temp.imgsync_stage ORDER BY position ON CONFLICT (collection, id) DO NOTHING RETURNING "
    "id), written AS (INSERT INTO imgsync.items SELECT " IMGSYNC_STAGED_ROW
    " FROM pg_temp.imgsync_stage s WHERE s.id IN (SELECT id FROM fresh)) SELECT id FROM fresh";

// 3. Items held older than the copy staged: their rows deleted where their heads say they are
// (a new copy may move to another year's partition), their heads updated, the new rows
// written. Only when the batch holds such an Item.
constexpr const char* kDeleteReplaced =
    "DELETE FROM imgsync.items i USING (SELECT h.id, h.datetime FROM imgsync.heads h JOIN "
    "pg_temp.imgsync_stage s ON s.id = h.id WHERE " IMGSYNC_STAGED_IDS
    " AND s.updated_ms > h.updated_ms) r WHERE i.collection = $1 AND i.id = r.id AND i.datetime "
    "= r.datetime";
constexpr const char* kWriteReplaced =
    "WITH replaced AS (UPDATE imgsync.heads h SET datetime = imgsync.ms_time(s.datetime_ms), "
    "updated_ms = s.updated_ms, sequence = nextval('imgsync.change_sequence'), local = false FROM "
    "pg_temp.imgsync_stage s WHERE " IMGSYNC_STAGED_IDS
    " AND h.id = s.id AND s.updated_ms > h.updated_ms RETURNING h.id) INSERT INTO imgsync.items "
    "SELECT " IMGSYNC_STAGED_ROW
    " FROM pg_temp.imgsync_stage s WHERE s.id IN (SELECT id FROM replaced)";
#undef IMGSYNC_STAGED_ROW
#undef IMGSYNC_STAGED_IDS

// The UTC year of `ms`.
int year_of(std::int64_t ms) {
  using namespace std::chrono;
  const auto day = floor<days>(sys_time<milliseconds>(milliseconds(ms)));
  return static_cast<int>(year_month_day(day).year());
}

// For each id of the batch, the row staged: its first copy with the newest `updated`.
std::unordered_map<std::string_view, std::size_t> staged_rows(
    const std::vector<PgItemIndex::MergeRow>& rows) {
  std::unordered_map<std::string_view, std::size_t> staged;
  staged.reserve(rows.size());
  for (std::size_t n = 0; n < rows.size(); ++n) {
    auto [at, added] = staged.try_emplace(rows[n].record->id, n);
    if (!added && rows[n].updated_ms > rows[at->second].updated_ms) at->second = n;
  }
  return staged;
}

// What merging the rows one by one gives each, from the `updated` times the catalog held
// (`held`; an id it lacked is absent): added, replaced by a strictly newer copy, else kept.
std::vector<MergeOutcome> outcomes_in_order(
    const std::vector<PgItemIndex::MergeRow>& rows,
    std::unordered_map<std::string_view, std::optional<std::int64_t>> held) {
  std::vector<MergeOutcome> outcomes;
  outcomes.reserve(rows.size());
  for (const auto& row : rows) {
    std::optional<std::int64_t>& newest = held[row.record->id];
    if (!newest) {
      outcomes.push_back(MergeOutcome::kAdded);
    } else if (row.updated_ms > *newest) {
      outcomes.push_back(MergeOutcome::kReplaced);
    } else {
      outcomes.push_back(MergeOutcome::kKeptNewer);
      continue;
    }
    newest = row.updated_ms;
  }
  return outcomes;
}

}  // namespace

Result<std::vector<MergeOutcome>> PgItemIndex::merge_by_copy(const std::vector<MergeRow>& rows) {
  const auto staged = staged_rows(rows);
  std::string lines;
  std::map<int, std::int64_t> years;  // one instant of each year
  for (std::size_t n = 0; n < rows.size(); ++n) {
    if (staged.at(rows[n].record->id) != n) continue;
    PgParams params = pg_item_params(options_.collection, *rows[n].record, *rows[n].item_json);
    params.add(rows[n].updated_ms).add(static_cast<std::int64_t>(n));
    params.append_copy_line(lines);
    const IndexRecord& record = *rows[n].record;
    const std::int64_t sort_ms =
        record.utc_start_ms == record.utc_end_ms ? record.utc_start_ms : record.local_ms;
    years.emplace(year_of(sort_ms), sort_ms);
  }
  std::vector<std::string> instants;
  for (const auto& [year, ms] : years) instants.push_back(std::to_string(ms));
  if (Status ok = connection_.execute(kStage); !ok.ok()) return ok.error();
  if (Status ok = connection_.copy_in(kCopy, lines); !ok.ok()) return ok.error();
  if (auto made = connection_.query(kPartitions, PgParams().add_array(instants)); !made.ok()) {
    return made.take_error();
  }
  // What the catalog held before this batch: locked heads first (the order every bulk writer
  // takes them in), then the Items it lacked; a head a concurrent writer inserted meanwhile is
  // read once it has committed.
  std::unordered_map<std::string_view, std::optional<std::int64_t>> before;
  before.reserve(staged.size());
  for (const auto& [id, row] : staged) before.emplace(id, std::nullopt);
  const PgParams collection = PgParams().add(options_.collection);
  auto held = connection_.query(kLockHeld, collection);
  auto fresh = held.ok() ? connection_.query(kInsertFresh) : held;
  if (!fresh.ok()) return fresh.take_error();
  std::unordered_set<std::string> added;
  for (int n = 0; n < fresh->rows(); ++n) added.insert(fresh->text(n, 0));
  if (static_cast<std::size_t>(held->rows()) + added.size() < staged.size()) {
    held = connection_.query(kLockHeld, collection);
    if (!held.ok()) return held.take_error();
  }
  std::size_t newer = 0;  // Items held older than their copy here
  for (int n = 0; n < held->rows(); ++n) {
    const std::string id = held->text(n, 0);
    auto at = before.find(id);
    if (at == before.end() || added.contains(id)) continue;
    at->second = held->integer(n, 1);
    newer += rows[staged.at(at->first)].updated_ms > *at->second;
  }
  if (newer > 0) {
    for (const char* sql : {kDeleteReplaced, kWriteReplaced}) {
      if (auto done = connection_.query(sql, collection); !done.ok()) return done.take_error();
    }
  }
  return outcomes_in_order(rows, std::move(before));
}

Result<std::vector<MergeOutcome>> PgItemIndex::merge_rows(const std::vector<MergeRow>& rows) {
  auto merge = [&] {
    return rows.size() < kPgCopyFrom ? merge_pipelined(rows) : merge_by_copy(rows);
  };
  if (rows.empty()) return std::vector<MergeOutcome>{};
  // Inside the caller's transaction a failure ends it, and the caller tries it all again.
  if (transaction_depth_ > 0) return merge();
  Result<std::vector<MergeOutcome>> outcomes = std::vector<MergeOutcome>{};
  Status done = in_transaction([&]() -> Status {
    outcomes = merge();
    return outcomes.ok() ? Status{} : Status(outcomes.error());
  });
  if (!done.ok()) return done.error();
  return outcomes;
}

Result<std::vector<MergeOutcome>> PgItemIndex::merge_parsed(const std::vector<ItemToMerge>& items) {
  std::vector<CatalogItem> prepared;
  prepared.reserve(items.size());
  for (const auto& one : items) {
    auto record = index_record_from_item(one.item, one.item_key);
    if (!record.ok()) return record.take_error();
    prepared.push_back({.record = std::move(*record),
                        .item_json = one.item.dump(-1, ' ', false, json::error_handler_t::replace),
                        .updated_ms = one.updated_ms});
  }
  std::vector<MergeRow> rows;
  rows.reserve(prepared.size());
  for (const auto& one : prepared) rows.push_back({&one.record, &one.item_json, one.updated_ms});
  return merge_rows(rows);
}

Result<MergeCounts> PgItemIndex::merge_items(const std::vector<CatalogItem>& items) {
  std::vector<MergeRow> rows;
  rows.reserve(items.size());
  for (const auto& one : items) rows.push_back({&one.record, &one.item_json, one.updated_ms});
  auto outcomes = merge_rows(rows);
  if (!outcomes.ok()) return outcomes.take_error();
  const auto number = [&](MergeOutcome kind) { return std::ranges::count(*outcomes, kind); };
  return MergeCounts{.added = number(MergeOutcome::kAdded),
                     .replaced = number(MergeOutcome::kReplaced),
                     .kept = number(MergeOutcome::kKeptNewer)};
}

}  // namespace imgsync::catalog
