// The shared catalog's schema (catalog/pg_item_index.h): created on first connect, versioned.
#include <fmt/format.h>

#include <algorithm>
#include <iterator>

#include "catalog/pg_item_index.h"

namespace imgsync::catalog {
namespace {

// Serialises schema changes between writers connecting at the same moment.
constexpr const char* kSchemaLock = "SELECT pg_advisory_xact_lock(7302017)";

// Version 1 (less haversine(), which version 2 defines anew). The column order of `items` is
// the order put_item()'s ROW(...) is built in (pg_item_index.cpp).
constexpr const char* kSchemaV1 = R"sql(
CREATE SEQUENCE imgsync.change_sequence;
CREATE TABLE imgsync.heads (
  collection text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  datetime timestamptz NOT NULL,
  updated_ms bigint NOT NULL,
  sequence bigint NOT NULL,
  local boolean NOT NULL,
  PRIMARY KEY (collection, id)
);
CREATE INDEX heads_changes ON imgsync.heads (collection, local, sequence);
CREATE TABLE imgsync.items (
  collection text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  datetime timestamptz NOT NULL,
  item_key text NOT NULL,
  raw_key text NOT NULL,
  enhanced_key text NOT NULL,
  thumbnail_key text NOT NULL,
  utc_start_ms bigint NOT NULL,
  utc_end_ms bigint NOT NULL,
  local_ms bigint NOT NULL,
  utc_offset_minutes integer,
  latitude double precision,
  longitude double precision,
  altitude double precision,
  geom geometry(Point, 4326),
  make text NOT NULL,
  model text NOT NULL,
  camera text COLLATE "C" NOT NULL,
  lens text NOT NULL,
  width bigint,
  height bigint,
  orientation integer NOT NULL,
  bytes bigint NOT NULL,
  created text NOT NULL,
  tags text[] NOT NULL,
  tags_folded text[] COLLATE "C" NOT NULL,
  item_json text NOT NULL,
  span geometry(LineStringZ),
  PRIMARY KEY (collection, id, datetime)
) PARTITION BY RANGE (datetime);
CREATE INDEX items_geom ON imgsync.items USING gist (geom);
CREATE INDEX items_span ON imgsync.items USING gist (span gist_geometry_ops_nd);
CREATE INDEX items_datetime ON imgsync.items (collection, datetime, id);
CREATE INDEX items_utc ON imgsync.items (collection, utc_start_ms);
CREATE INDEX items_local ON imgsync.items (collection, local_ms);
CREATE INDEX items_tags ON imgsync.items USING gin (tags_folded);
CREATE TABLE imgsync.settings (
  collection text COLLATE "C" NOT NULL,
  name text COLLATE "C" NOT NULL,
  value text NOT NULL,
  PRIMARY KEY (collection, name)
);

-- Milliseconds since the epoch as a timestamptz (exact: microsecond precision).
CREATE FUNCTION imgsync.ms_time(ms bigint) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT timestamptz 'epoch' + ms * interval '1 millisecond'
$$;

-- The year's partition of `items` for t (UTC), created when missing. A year, not a month: a
-- query plans and probes every partition it cannot prune, and years keep them few.
CREATE FUNCTION imgsync.make_partition(t timestamptz) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  year timestamp := date_trunc('year', t AT TIME ZONE 'UTC');
  name text := 'items_' || to_char(year, 'YYYY');
BEGIN
  IF to_regclass('imgsync.' || name) IS NOT NULL THEN RETURN; END IF;
  BEGIN
    EXECUTE format('CREATE TABLE imgsync.%I PARTITION OF imgsync.items FOR VALUES FROM (%L) TO (%L)',
                   name, year AT TIME ZONE 'UTC', (year + interval '1 year') AT TIME ZONE 'UTC');
  EXCEPTION WHEN duplicate_table OR unique_violation THEN
    NULL;  -- another writer created it meanwhile
  END;
END $$;

-- Writes one Item unless the catalog holds a newer copy: 0 added, 1 replaced, 2 kept (the copy
-- held is newer; with newer_only, or as new). The head row is the lock that orders writers.
CREATE FUNCTION imgsync.put_item(r imgsync.items, updated bigint, is_local boolean,
                                 newer_only boolean) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  held_datetime timestamptz;
  held_updated bigint;
BEGIN
  PERFORM imgsync.make_partition(r.datetime);
  INSERT INTO imgsync.heads VALUES (r.collection, r.id, r.datetime, updated,
                                    nextval('imgsync.change_sequence'), is_local)
    ON CONFLICT (collection, id) DO NOTHING;
  IF FOUND THEN
    INSERT INTO imgsync.items SELECT r.*;
    RETURN 0;
  END IF;
  SELECT h.datetime, h.updated_ms INTO held_datetime, held_updated FROM imgsync.heads h
    WHERE h.collection = r.collection AND h.id = r.id FOR UPDATE;
  IF held_updated > updated OR (newer_only AND held_updated = updated) THEN
    RETURN 2;
  END IF;
  DELETE FROM imgsync.items i
    WHERE i.collection = r.collection AND i.id = r.id AND i.datetime = held_datetime;
  INSERT INTO imgsync.items SELECT r.*;
  UPDATE imgsync.heads h SET datetime = r.datetime, updated_ms = updated,
      sequence = nextval('imgsync.change_sequence'), local = is_local
    WHERE h.collection = r.collection AND h.id = r.id;
  RETURN 1;
END $$;
)sql";

// Version 2: a page decided on an index, its rows read after (pg_search.cpp). The position as
// a point in a GiST of its own, with everything a place's page is decided on included
// (collection, sort key, position, times); the time btrees with the sort key, the other times,
// the camera and the tags included. On a catalog of version 1 they are built over every Item
// once (minutes at millions; writers wait meanwhile).
//
// And haversine(), great-circle distance in metres: catalog::haversine_metres, operation for
// operation, so both backends agree to the last bit. Version 1's called least(): a STRICT SQL
// function is inlined only when its body is strict too, and least() is not; called rather than
// inlined it cost ~10 us a candidate (a 2 km circle in a site: 22 -> 8.5 ms for the page's
// keys). float8smaller() is min() on two float8: the same result.
constexpr const char* kSchemaV2 = R"sql(
CREATE OR REPLACE FUNCTION imgsync.haversine(lat1 float8, lon1 float8, lat2 float8, lon2 float8)
RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT 2 * 6371008.8 * asin(float8smaller(1.0::float8, sqrt(
    sin((lat2 - lat1) * (pi() / 180.0) / 2) * sin((lat2 - lat1) * (pi() / 180.0) / 2) +
    cos(lat1 * (pi() / 180.0)) * cos(lat2 * (pi() / 180.0)) *
    sin((lon2 - lon1) * (pi() / 180.0) / 2) * sin((lon2 - lon1) * (pi() / 180.0) / 2))))
$$;
CREATE INDEX IF NOT EXISTS items_place ON imgsync.items USING gist (point(longitude, latitude))
  INCLUDE (collection, datetime, id, latitude, longitude, utc_start_ms, utc_end_ms, local_ms);
DROP INDEX IF EXISTS imgsync.items_utc;
CREATE INDEX items_utc ON imgsync.items (collection, utc_start_ms)
  INCLUDE (utc_end_ms, local_ms, datetime, id, camera, tags_folded);
DROP INDEX IF EXISTS imgsync.items_local;
CREATE INDEX items_local ON imgsync.items (collection, local_ms)
  INCLUDE (utc_start_ms, utc_end_ms, datetime, id, camera, tags_folded);
)sql";

// Version 3: a place read in time order on a btree (pg_search.cpp, page_on_cells). Each Item
// with a position has a cell: its 1° square of latitude and longitude, (floor(lat) + 90) * 361 +
// floor(lon) + 180; items_cell holds (collection, cell, datetime, id) with the position and the
// times included, so the page of a place is decided by walking its few cells' keys in the time
// order, index-only, part by part of that order (pg_search_cut.cpp), and a time window narrows
// each cell's walk. The window bounds the sort time only for an Item whose UTC start and end and
// wall clock lie within 2 days of each other (every Item imgsync writes: offsets are at most
// 14 hours, an unknown one an interval of 26): the sort time is one of them, so it lies within 2
// days of the window. An Item that is not (a foreign Item's long interval, say) has cell -1,
// walked in full by every such query.
constexpr const char* kSchemaV3 = R"sql(
CREATE OR REPLACE FUNCTION imgsync.place_cell(latitude float8, longitude float8, utc_start bigint,
                                              utc_end bigint, local_ms bigint)
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN latitude IS NULL OR longitude IS NULL THEN NULL
              WHEN greatest(utc_start, utc_end, local_ms) - least(utc_start, utc_end, local_ms)
                   > 172800000 THEN -1
              ELSE (floor(latitude)::integer + 90) * 361 + floor(longitude)::integer + 180 END
$$;
SET LOCAL maintenance_work_mem = '512MB';
CREATE INDEX IF NOT EXISTS items_cell ON imgsync.items (collection, imgsync.place_cell(latitude,
  longitude, utc_start_ms, utc_end_ms, local_ms), datetime, id) INCLUDE (latitude, longitude,
  utc_start_ms, utc_end_ms, local_ms);
)sql";

// Version 4: a camera with a time window decided on a btree (pg_search.cpp, page_on_camera). A
// camera is asked for by a part of its name (`--camera dji`), which no index serves; but an
// archive holds few cameras, so the search first lists the matching ones by walking items_camera
// one camera at a time (a probe each), then walks each camera's time range. The time order is
// the wall clock, which bounds the UTC times of an Item whose UTC start and end and wall clock
// lie within 2 days of each other (times_apart() 0: every Item imgsync writes, as for
// items_cell); the others are kept apart (times_apart() 1) and walked whole for a UTC window.
// An integer, not a boolean: the planner rewrites `NOT (a > b)` as `a <= b`, which no longer
// names the index's column.
// Before, such a search walked the whole window on items_utc or items_local: 64,000 index
// entries for 7 days at 10,000,000 Items, ~30 ms, for ~800 hits.
constexpr const char* kSchemaV4 = R"sql(
CREATE OR REPLACE FUNCTION imgsync.times_apart(utc_start bigint, utc_end bigint, local_ms bigint)
RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN greatest(utc_start, utc_end, local_ms) - least(utc_start, utc_end, local_ms)
                   > 172800000 THEN 1 ELSE 0 END
$$;
SET LOCAL maintenance_work_mem = '512MB';
CREATE INDEX IF NOT EXISTS items_camera ON imgsync.items (collection, camera,
  imgsync.times_apart(utc_start_ms, utc_end_ms, local_ms), local_ms) INCLUDE (utc_start_ms,
  utc_end_ms, datetime, id, tags_folded);
)sql";

// The indexes of `items` that searches read and merges do not (schema version 4's), which bulk
// mode sets aside (PgItemIndex::begin_bulk_load): built once from all the rows, sorted, rather
// than updated row by row. The primary key stays (merges find rows by it).
constexpr const char* kSearchIndexes[] = {
    "items_geom ON imgsync.items USING gist (geom)",
    "items_span ON imgsync.items USING gist (span gist_geometry_ops_nd)",
    "items_place ON imgsync.items USING gist (point(longitude, latitude)) INCLUDE (collection, "
    "datetime, id, latitude, longitude, utc_start_ms, utc_end_ms, local_ms)",
    "items_datetime ON imgsync.items (collection, datetime, id)",
    "items_utc ON imgsync.items (collection, utc_start_ms) INCLUDE (utc_end_ms, local_ms, "
    "datetime, id, camera, tags_folded)",
    "items_local ON imgsync.items (collection, local_ms) INCLUDE (utc_start_ms, utc_end_ms, "
    "datetime, id, camera, tags_folded)",
    "items_tags ON imgsync.items USING gin (tags_folded)",
    "items_cell ON imgsync.items (collection, imgsync.place_cell(latitude, longitude, "
    "utc_start_ms, utc_end_ms, local_ms), datetime, id) INCLUDE (latitude, longitude, "
    "utc_start_ms, utc_end_ms, local_ms)",
    "items_camera ON imgsync.items (collection, camera, imgsync.times_apart(utc_start_ms, "
    "utc_end_ms, local_ms), local_ms) INCLUDE (utc_start_ms, utc_end_ms, datetime, id, "
    "tags_folded)"};

// Held shared (session-level) by each connection in bulk mode: while one is, nobody else builds
// the indexes set aside; a loader that died released it with its connection.
constexpr const char* kBulkLock = "7302018";

std::string index_name(std::string_view definition) {
  return std::string(definition.substr(0, definition.find(' ')));
}

// Builds the search indexes that are missing (the work memory of a sort of millions of rows).
Status create_search_indexes(PgConnection& connection) {
  std::string sql = "SET maintenance_work_mem = '512MB';";
  for (const char* index : kSearchIndexes)
    sql += fmt::format("CREATE INDEX IF NOT EXISTS {};", index);
  Status built = connection.execute(sql);
  (void)connection.execute("RESET maintenance_work_mem");
  return built;
}

// After a bulk load that did not end (its connection is gone): the indexes it set aside, built
// again when this role may, else left to the next writer (searches stay correct meanwhile).
Status repair_search_indexes(PgConnection& connection) {
  std::string names;
  for (const char* index : kSearchIndexes) names += (names.empty() ? "" : ",") + index_name(index);
  auto present = connection.query(
      "SELECT count(*) FROM pg_indexes WHERE schemaname = 'imgsync' AND indexname = "
      "ANY(string_to_array($1, ','))",
      PgParams().add(names));
  if (!present.ok()) return present.error();
  if (present->integer(0, 0) == std::ssize(kSearchIndexes)) return {};
  auto free = connection.query(fmt::format("SELECT pg_try_advisory_lock({})", kBulkLock));
  if (!free.ok() || !free->boolean(0, 0)) return {};  // a bulk load is running
  (void)create_search_indexes(connection);
  return connection.execute(fmt::format("SELECT pg_advisory_unlock({})", kBulkLock));
}

Status ensure_postgis(PgConnection& connection) {
  auto present = connection.query("SELECT 1 FROM pg_extension WHERE extname = 'postgis'");
  if (!present.ok()) return present.error();
  if (present->rows() > 0) return {};
  if (connection.execute("CREATE EXTENSION IF NOT EXISTS postgis").ok()) return {};
  return make_error(ErrorCategory::kInvalidInput,
                    fmt::format("catalog {}: the database has no PostGIS and this role may not "
                                "add it; ask its administrator to run CREATE EXTENSION postgis "
                                "in it (Debian: apt-get install postgresql-15-postgis-3)",
                                connection.name()));
}

Status migrate_locked(PgConnection& connection) {
  if (Status ok = connection.execute(kSchemaLock); !ok.ok()) return ok;
  if (Status ok = ensure_postgis(connection); !ok.ok()) return ok;
  if (Status ok =
          connection.execute("CREATE SCHEMA IF NOT EXISTS imgsync; CREATE TABLE IF NOT EXISTS "
                             "imgsync.schema_version (version integer NOT NULL)");
      !ok.ok()) {
    return ok;
  }
  auto version = connection.query("SELECT max(version) FROM imgsync.schema_version");
  if (!version.ok()) return version.error();
  const std::int64_t held = version->is_null(0, 0) ? 0 : version->integer(0, 0);
  if (held > kPgSchemaVersion) {
    return make_error(ErrorCategory::kFatal,
                      fmt::format("catalog {} was set up by a newer imgsync (schema version {}, "
                                  "this one knows {}); upgrade imgsync on this machine",
                                  connection.name(), held, kPgSchemaVersion));
  }
  if (held == kPgSchemaVersion) return {};
  // Each version's steps from the one before (held == 0: a new catalog).
  if (held < 1) {
    if (Status ok = connection.execute(kSchemaV1); !ok.ok()) return ok;
  }
  if (held < 2) {
    if (Status ok = connection.execute(kSchemaV2); !ok.ok()) return ok;
  }
  if (held < 3) {
    if (Status ok = connection.execute(kSchemaV3); !ok.ok()) return ok;
  }
  if (Status ok = connection.execute(kSchemaV4); !ok.ok()) return ok;
  return connection.execute(
      fmt::format("DELETE FROM imgsync.schema_version; INSERT INTO imgsync.schema_version VALUES "
                  "({})",
                  kPgSchemaVersion));
}

}  // namespace

Result<std::int64_t> pg_schema_version(PgConnection& connection) {
  auto exists = connection.query("SELECT to_regclass('imgsync.schema_version') IS NOT NULL");
  if (!exists.ok()) return exists.take_error();
  if (!exists->boolean(0, 0)) return std::int64_t{0};
  auto version = connection.query("SELECT coalesce(max(version), 0) FROM imgsync.schema_version");
  if (!version.ok()) return version.take_error();
  return version->integer(0, 0);
}

Status begin_pg_bulk_load(PgConnection& connection) {
  std::string sql =
      fmt::format("SELECT pg_advisory_lock_shared({}); BEGIN; {};", kBulkLock, kSchemaLock);
  for (const char* index : kSearchIndexes) {
    sql += fmt::format("DROP INDEX IF EXISTS imgsync.{};", index_name(index));
  }
  if (Status ok = connection.execute(sql + "COMMIT"); !ok.ok()) {
    (void)connection.execute("ROLLBACK");
    (void)connection.execute(fmt::format("SELECT pg_advisory_unlock_shared({})", kBulkLock));
    return ok;
  }
  return {};
}

// The rows laid out by place, then time (CLUSTER on items_cell), by a bulk loader that ends
// alone. A bulk load's rows arrive in any order, so a place's page of 1000 Items lay on ~1000
// heap pages; at 10,000,000 Items (23 GB, more than the page cache of the machine measured) each
// was a read from disk at 80-150 us, most of every place search's time (docs/benchmarks.md).
// Laid out by cell, the page lies on tens of pages. The rewrite takes the table (searches wait,
// as for CREATE INDEX writers do); rows merged later are appended as before.
Status cluster_by_place(PgConnection& connection) {
  auto alone = connection.query(fmt::format("SELECT pg_try_advisory_lock({})", kBulkLock));
  if (!alone.ok()) return alone.error();
  if (!alone->boolean(0, 0)) return {};  // another loader is in bulk mode: it lays them out
  const char* const* cell =
      std::find_if(std::begin(kSearchIndexes), std::end(kSearchIndexes),
                   [](const char* index) { return index_name(index) == "items_cell"; });
  // CLUSTER of a partitioned table runs outside a transaction block: a statement of its own.
  Status done = connection.execute(
      fmt::format("SET maintenance_work_mem = '512MB'; CREATE INDEX IF NOT EXISTS {}", *cell));
  if (done.ok()) done = connection.execute("CLUSTER imgsync.items USING items_cell");
  (void)connection.execute("RESET maintenance_work_mem");
  Status unlocked = connection.execute(fmt::format("SELECT pg_advisory_unlock({})", kBulkLock));
  return done.ok() ? unlocked : done;
}

Status end_pg_bulk_load(PgConnection& connection) {
  Status built = cluster_by_place(connection);
  if (built.ok()) built = create_search_indexes(connection);
  Status unlocked =
      connection.execute(fmt::format("SELECT pg_advisory_unlock_shared({})", kBulkLock));
  return built.ok() ? unlocked : built;
}

Status migrate_pg_schema(PgConnection& connection, bool repair) {
  // The session: times in UTC; no JIT (its compiling costs 50-200 ms a statement once a big
  // catalog's estimates pass jit_above_cost, and a page of a search runs for milliseconds).
  if (Status ok = connection.execute("SET TIME ZONE 'UTC'; SET jit = off"); !ok.ok()) return ok;
  // Up to date: nothing to create, so a role that may only read (an analyst's serve) connects.
  auto held = pg_schema_version(connection);
  if (held.ok() && *held == kPgSchemaVersion)
    return repair ? repair_search_indexes(connection) : Status{};
  if (Status ok = connection.execute("BEGIN"); !ok.ok()) return ok;
  Status migrated = migrate_locked(connection);
  if (!migrated.ok()) {
    (void)connection.execute("ROLLBACK");
    return migrated;
  }
  return connection.execute("COMMIT");
}

}  // namespace imgsync::catalog
