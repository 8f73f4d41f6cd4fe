#include "catalog/pg_item_index.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "util/time_format.h"

namespace imgsync::catalog {
namespace {

using nlohmann::json;

// Rows per round trip when walking the catalog (for_each_item, for_each_change).
constexpr int kWalkBatch = 1000;

// The ROW(...) of put_item, in the column order of imgsync.items (pg_schema.cpp).
constexpr const char* kPutItem =
    "SELECT imgsync.put_item(ROW($1::text, $2::text, imgsync.ms_time($3::bigint), $4::text, "
    "$5::text, $6::text, $7::text, $8::bigint, $9::bigint, $10::bigint, $11::integer, "
    "$12::float8, $13::float8, $14::float8, ST_SetSRID(ST_MakePoint($13::float8, $12::float8), "
    "4326), $15::text, $16::text, $17::text, $18::text, $19::bigint, $20::bigint, $21::integer, "
    "$22::bigint, $23::text, $24::text[], $25::text[], $26::text, "
    "ST_MakeLine(ST_MakePoint($13::float8, $12::float8, $27::float8), ST_MakePoint($13::float8, "
    "$12::float8, $28::float8)))::imgsync.items, $29::bigint, $30::boolean, $31::boolean)";

// put_item()'s answer.
MergeOutcome outcome_of(std::int64_t code) {
  return code == 0   ? MergeOutcome::kAdded
         : code == 1 ? MergeOutcome::kReplaced
                     : MergeOutcome::kKeptNewer;
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

PgParams pg_item_params(const std::string& collection, const IndexRecord& record,
                        const std::string& item_json) {
  std::vector<std::string> folded;
  for (const auto& tag : record.tags) folded.push_back(fold_ascii(tag));
  PgParams params;
  params.add(collection).add(record.id);
  params.add(record.utc_start_ms == record.utc_end_ms ? record.utc_start_ms : record.local_ms);
  params.add(record.item_key).add(record.raw_key).add(record.enhanced_key);
  params.add(record.thumbnail_key).add(record.utc_start_ms).add(record.utc_end_ms);
  params.add(record.local_ms).add(record.utc_offset_minutes);
  params.add(record.latitude).add(record.longitude).add(record.altitude);
  params.add(record.make).add(record.model).add(fold_ascii(record.make + " " + record.model));
  params.add(record.lens).add(record.width).add(record.height).add(record.orientation);
  params.add(static_cast<std::int64_t>(record.bytes)).add(record.created);
  params.add_array(record.tags).add_array(folded).add(item_json);
  // The place in time: from the earliest to the latest of its UTC interval and wall clock.
  params.add(pg_span_days(std::min(record.utc_start_ms, record.local_ms), -1));
  params.add(pg_span_days(std::max(record.utc_end_ms, record.local_ms), +1));
  return params;
}

Result<std::unique_ptr<PgItemIndex>> PgItemIndex::open(PgCatalogOptions options) {
  s3::RetryPolicy policy(options.retry);
  for (int attempt = 1;; ++attempt) {
    auto connection = PgConnection::connect(options.target);
    Status ready = connection.ok() ? migrate_pg_schema(*connection) : Status(connection.error());
    if (ready.ok()) {
      return std::unique_ptr<PgItemIndex>(
          new PgItemIndex(std::move(options), std::move(*connection)));
    }
    if (!policy.should_retry(ready.error(), attempt)) return ready.error();
    std::this_thread::sleep_for(policy.delay(ready.error(), attempt));
  }
}

template <typename Attempt>
auto PgItemIndex::retrying(Attempt&& attempt) -> decltype(attempt()) {
  for (int round = 1;; ++round) {
    if (connection_.broken()) {
      Status reconnected = connection_.reconnect();
      if (reconnected.ok()) reconnected = migrate_pg_schema(connection_, /*repair=*/!bulk_);
      if (reconnected.ok() && bulk_) reconnected = begin_pg_bulk_load(connection_);
      if (!reconnected.ok()) {
        if (!retry_.should_retry(reconnected.error(), round)) return reconnected.error();
        std::this_thread::sleep_for(retry_.delay(reconnected.error(), round));
        continue;
      }
    }
    auto result = attempt();
    if (result.ok() || !retry_.should_retry(result.error(), round)) return result;
    std::this_thread::sleep_for(retry_.delay(result.error(), round));
  }
}

Result<PgResult> PgItemIndex::query(std::string_view sql, const PgParams& params) {
  // Inside a transaction a failure ends it: in_transaction() retries the whole of it.
  if (transaction_depth_ > 0) return connection_.query(sql, params);
  return retrying([&] { return connection_.query(sql, params); });
}

Result<MergeOutcome> PgItemIndex::put(const json& item, const std::string& item_key,
                                      std::int64_t updated_ms, bool local) {
  auto record = index_record_from_item(item, item_key);
  if (!record.ok()) return record.take_error();
  PgParams params = pg_item_params(options_.collection, *record,
                                   item.dump(-1, ' ', false, json::error_handler_t::replace));
  params.add(updated_ms).add(local).add(!local);
  auto result = query(kPutItem, params);
  if (!result.ok()) return result.take_error();
  return outcome_of(result->integer(0, 0));
}

Result<std::vector<MergeOutcome>> PgItemIndex::merge_pipelined(const std::vector<MergeRow>& rows) {
  std::vector<PgParams> each;
  each.reserve(rows.size());
  for (const auto& row : rows) {
    PgParams params = pg_item_params(options_.collection, *row.record, *row.item_json);
    params.add(row.updated_ms).add(false).add(true);
    each.push_back(std::move(params));
  }
  auto results = connection_.pipeline(kPutItem, each);
  if (!results.ok()) return results.take_error();
  std::vector<MergeOutcome> outcomes;
  for (const auto& result : *results) outcomes.push_back(outcome_of(result.integer(0, 0)));
  return outcomes;
}

Status PgItemIndex::upsert_item(const json& item, const std::string& item_key) {
  std::optional<std::int64_t> updated;
  if (item.is_object() && item.contains("properties") && item["properties"].is_object()) {
    const auto& properties = item["properties"];
    if (properties.contains("updated") && properties["updated"].is_string()) {
      auto parsed = parse_iso8601(properties["updated"].get<std::string>());
      if (parsed.ok()) {
        updated = std::chrono::duration_cast<std::chrono::milliseconds>(parsed->time_since_epoch())
                      .count();
      }
    }
  }
  auto put_outcome = put(item, item_key, updated.value_or(now_ms()), /*local=*/true);
  return put_outcome.ok() ? Status{} : Status(put_outcome.error());
}

Result<MergeOutcome> PgItemIndex::merge_item(const json& item, const std::string& item_key,
                                             std::int64_t updated_ms) {
  if (!item.is_object() || !item.contains("id") || !item["id"].is_string()) {
    return make_error(ErrorCategory::kInvalidInput,
                      fmt::format("Item {}: no string \"id\"; it cannot be merged", item_key));
  }
  return put(item, item_key, updated_ms, /*local=*/false);
}

Status PgItemIndex::remove(const std::string& id) {
  auto removed = query(
      "WITH gone AS (DELETE FROM imgsync.heads WHERE collection = $1 AND id = $2 RETURNING "
      "datetime) DELETE FROM imgsync.items i USING gone WHERE i.collection = $1 AND i.id = $2 "
      "AND i.datetime = gone.datetime",
      PgParams().add(options_.collection).add(id));
  return removed.ok() ? Status{} : Status(removed.error());
}

Status PgItemIndex::clear() {
  return in_transaction([&]() -> Status {
    for (const char* sql : {"DELETE FROM imgsync.items WHERE collection = $1",
                            "DELETE FROM imgsync.heads WHERE collection = $1"}) {
      auto done = query(sql, PgParams().add(options_.collection));
      if (!done.ok()) return done.error();
    }
    return {};
  });
}

Result<std::int64_t> PgItemIndex::count() {
  auto counted = query("SELECT count(*) FROM imgsync.heads WHERE collection = $1",
                       PgParams().add(options_.collection));
  if (!counted.ok()) return counted.take_error();
  return counted->integer(0, 0);
}

Status PgItemIndex::for_each_item(const std::function<Status(const std::string&, const std::string&,
                                                             const std::string&)>& visit) {
  std::string after;
  for (bool first = true;; first = false) {
    auto rows = query(
        "SELECT id, item_key, item_json FROM imgsync.items WHERE collection = $1 AND ($2 OR id > "
        "$3) ORDER BY id LIMIT " +
            std::to_string(kWalkBatch),
        PgParams().add(options_.collection).add(first).add(after));
    if (!rows.ok()) return rows.error();
    for (int row = 0; row < rows->rows(); ++row) {
      if (Status ok = visit(rows->text(row, 0), rows->text(row, 1), rows->text(row, 2)); !ok.ok()) {
        return ok;
      }
    }
    if (rows->rows() < kWalkBatch) return {};
    after = rows->text(rows->rows() - 1, 0);
  }
}

Status PgItemIndex::for_each_change(std::int64_t after, ChangeScope scope,
                                    const std::function<Status(const LocalChange&)>& visit) {
  std::int64_t position = scope == ChangeScope::kLocal ? after : -1;
  while (true) {
    auto rows = query(
        "SELECT h.sequence, h.updated_ms, i.id, i.item_key, i.item_json FROM imgsync.heads h JOIN "
        "imgsync.items i ON i.collection = h.collection AND i.id = h.id AND i.datetime = "
        "h.datetime WHERE h.collection = $1 AND h.sequence > $2 AND (h.local OR NOT $3) ORDER BY "
        "h.sequence LIMIT " +
            std::to_string(kWalkBatch),
        PgParams().add(options_.collection).add(position).add(scope == ChangeScope::kLocal));
    if (!rows.ok()) return rows.error();
    for (int row = 0; row < rows->rows(); ++row) {
      const LocalChange change{.sequence = rows->integer(row, 0),
                               .updated_ms = rows->integer(row, 1),
                               .id = rows->text(row, 2),
                               .item_key = rows->text(row, 3),
                               .item_json = rows->text(row, 4)};
      if (Status ok = visit(change); !ok.ok()) return ok;
      position = change.sequence;
    }
    if (rows->rows() < kWalkBatch) return {};
  }
}

Result<std::optional<std::string>> PgItemIndex::setting(const std::string& name) {
  auto rows = query("SELECT value FROM imgsync.settings WHERE collection = $1 AND name = $2",
                    PgParams().add(options_.collection).add(name));
  if (!rows.ok()) return rows.take_error();
  if (rows->rows() == 0) return std::optional<std::string>();
  return std::optional<std::string>(rows->text(0, 0));
}

Status PgItemIndex::set_setting(const std::string& name, const std::string& value) {
  auto done = query(
      "INSERT INTO imgsync.settings VALUES ($1, $2, $3) ON CONFLICT (collection, name) DO UPDATE "
      "SET value = EXCLUDED.value",
      PgParams().add(options_.collection).add(name).add(value));
  return done.ok() ? Status{} : Status(done.error());
}

Status PgItemIndex::analyze() {
  // VACUUM too: it marks the loaded pages all-visible, so index-only scans (items_place) need
  // not visit the rows to check that they may be seen.
  return retrying(
      [&] { return connection_.execute("VACUUM (ANALYZE) imgsync.heads, imgsync.items"); });
}

Status PgItemIndex::begin_bulk_load() {
  if (bulk_) return {};
  Status begun = retrying([&] { return begin_pg_bulk_load(connection_); });
  // A role that does not own the tables may not drop their indexes: merges update them.
  if (!begun.ok() && begun.error().category == ErrorCategory::kAuth) return {};
  bulk_ = begun.ok();
  return begun;
}

Status PgItemIndex::end_bulk_load() {
  if (!bulk_) return {};
  bulk_ = false;
  return retrying([&] { return end_pg_bulk_load(connection_); });
}

Status PgItemIndex::in_transaction(const std::function<Status()>& work) {
  if (transaction_depth_ > 0) {  // nested: a savepoint
    if (Status begun = connection_.execute("SAVEPOINT item_index"); !begun.ok()) return begun;
    Status done = work();
    if (!done.ok()) (void)connection_.execute("ROLLBACK TO SAVEPOINT item_index");
    Status released = connection_.execute("RELEASE SAVEPOINT item_index");
    return done.ok() ? released : done;
  }
  // The whole transaction again when the connection was lost or the server chose it as a
  // deadlock victim: all of the work, or none of it.
  return retrying([&]() -> Status {
    if (Status begun = connection_.execute("BEGIN"); !begun.ok()) return begun;
    ++transaction_depth_;
    Status done = work();
    --transaction_depth_;
    if (!done.ok()) {
      (void)connection_.execute("ROLLBACK");
      return done;
    }
    return connection_.execute("COMMIT");
  });
}

}  // namespace imgsync::catalog
