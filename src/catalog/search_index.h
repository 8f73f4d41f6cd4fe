// The search index: one row per STAC Item in <state_dir>/index.sqlite, beside the journal but in
// its own file (so a rebuild never touches the journal, and search never blocks a sync). Sync
// keeps it current; `imgsync index rebuild` refills it from the bucket's Items alone.
//
// Layout: `items` (capture time UTC and local, position, camera, kinds, asset keys, the Item
// itself), `cameras` (each distinct make/model once: a camera filter is a substring match on a
// few rows, then an indexed lookup), `tags`, and `positions`, a 3-D R*Tree over latitude,
// longitude and the capture time, so a box + time query is one tree walk whatever the
// selectivity of either part. The R*Tree holds 32-bit floats rounded outward: it only
// prefilters, and every condition is checked exactly against `items`.
//
// Time. An Item with a known UTC offset has one instant; without one its instant lies somewhere
// in [start_datetime, end_datetime] (26 h wide). A UTC bound matches only what certainly
// satisfies it (the whole interval is inside the window); a local bound compares the wall clock
// (imgsync:local_datetime), known for every Item.
//
// Place. A radius is a true great-circle distance (haversine on the mean Earth radius); the
// circle's bounding boxes (split at the antimeridian, widened to every longitude around a pole)
// only prefilter. A bbox whose west edge is east of its east edge crosses the antimeridian.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/sqlite_database.h"
#include "util/result.h"

namespace imgsync::catalog {

inline constexpr double kEarthRadiusMetres = 6371008.8;  // IUGG mean radius

// Great-circle distance in metres between two positions in degrees.
double haversine_metres(double latitude1, double longitude1, double latitude2, double longitude2);

// A bound on the capture time: milliseconds since the epoch, either of the UTC instant or of the
// local wall clock read as if it were UTC.
struct TimeBound {
  std::int64_t milliseconds = 0;
  bool local = false;
};

struct GeoBox {
  double west = 0, south = 0, east = 0, north = 0;  // degrees; west > east crosses 180°
};

struct GeoCircle {
  double latitude = 0, longitude = 0, radius_metres = 0;
};

// Boxes (none crossing 180°) that together cover every point of the box or the circle.
std::vector<GeoBox> split_at_antimeridian(const GeoBox& box);
std::vector<GeoBox> covering_boxes(const GeoCircle& circle);

// The R*Tree's time axis is in thousands of years: the tree splits nodes along the axis whose
// extent is largest, and in seconds (or days) time would dwarf degrees, so every place query
// would visit every time slice of a busy site. At this scale places organise the tree down to
// about 500 m cells, where time starts to count. Float32 keeps ~100 s of precision there; the
// tree only prefilters.
inline constexpr double kRtreeTimeScale = 1.0 / (1000 * 365.25 * 86400);

enum class KindFilter { kAny, kRaw, kEnhanced };
enum class SortOrder { kTime, kTimeDescending, kDistance };

struct SearchQuery {
  std::optional<TimeBound> from;   // inclusive
  std::optional<TimeBound> until;  // exclusive
  std::optional<GeoBox> box;
  std::optional<GeoCircle> near;
  std::string camera;             // substring of make, model or "make model", ASCII case-folded
  std::vector<std::string> tags;  // every one must be present (ASCII case-folded)
  KindFilter kind = KindFilter::kAny;
  std::optional<bool> has_gps;
  SortOrder sort = SortOrder::kTime;  // kDistance needs `near`
  std::optional<std::int64_t> limit;
};

struct SearchHit {
  std::string id;
  std::string item_key;
  std::string raw_key, enhanced_key, thumbnail_key;  // empty when the capture has none
  std::optional<double> latitude, longitude, altitude;
  std::int64_t utc_start_ms = 0, utc_end_ms = 0;  // equal when the offset is known
  std::int64_t local_ms = 0;                      // wall clock as if UTC
  std::optional<int> utc_offset_minutes;
  std::string make, model;
  std::uint64_t bytes = 0;                // all assets
  std::optional<double> distance_metres;  // with `near`
  std::string item_json;
};

// The fields the index keeps of one Item; kInvalidInput when the Item lacks what search needs
// (an id, a capture time).
struct IndexRecord {
  std::string id, item_key, raw_key, enhanced_key, thumbnail_key;
  std::int64_t utc_start_ms = 0, utc_end_ms = 0, local_ms = 0;
  std::optional<int> utc_offset_minutes;
  std::optional<double> latitude, longitude, altitude;
  std::string make, model, lens, created;
  std::optional<std::int64_t> width, height;
  int orientation = 1;
  std::vector<std::string> tags;
  std::uint64_t bytes = 0;
};
Result<IndexRecord> index_record_from_item(const nlohmann::json& item, const std::string& item_key);

// The key an asset's href leads to from the Item at item_key ("../../../../raw/x.jpg" from
// "p/metadata/2026/05/03/x.json" is "p/raw/2026/05/03/x.jpg"); empty for an absolute URL or an
// href that climbs above the bucket.
std::string resolve_href(const std::string& item_key, const std::string& href);

class SearchIndex {
 public:
  static constexpr const char* kFileName = "index.sqlite";
  // Opens or creates <state_dir>/index.sqlite (creating state_dir).
  // for_queries: a memory map and a 32 MiB page cache for fast searches; writers (sync, watch)
  // keep SQLite's small default so their memory stays flat however large the index grows.
  static Result<SearchIndex> open(const std::filesystem::path& state_dir, bool for_queries = true);

  // Inserts or replaces the Item with the same id. Atomic on its own; inside a Batch, part of it.
  Status upsert_item(const nlohmann::json& item, const std::string& item_key);
  Status remove(const std::string& id);
  Status clear();
  Result<std::int64_t> count();

  Result<std::vector<SearchHit>> search(const SearchQuery& query);
  // Every Item's JSON, in id order, for publishing.
  Status for_each_item(
      const std::function<Status(const std::string& id, const std::string& item_key,
                                 const std::string& item_json)>& visit);

  // Many upserts in one transaction (a rebuild): far faster than one commit each.
  class Batch {
   public:
    explicit Batch(SearchIndex& index) : transaction_(index.database_) {}
    const Status& begun() const { return transaction_.begun(); }
    Status commit() { return transaction_.commit(); }

   private:
    Database::Transaction transaction_;
  };

  Database& database() { return database_; }

 private:
  explicit SearchIndex(Database database) : database_(std::move(database)) {}
  Status migrate();
  Status insert(const IndexRecord& record, const std::string& item_json);
  Result<std::int64_t> camera_id(const std::string& make, const std::string& model);
  Database database_;
};

}  // namespace imgsync::catalog
