// What an index of STAC Items is asked and answers, whatever keeps it (catalog/item_index.h):
// the query (time, place, camera, tags, kinds, ids, polygons, order, page) and one hit.
//
// Time. An Item with a known UTC offset has one instant; without one its instant lies somewhere
// in [start_datetime, end_datetime] (26 h wide). A UTC bound matches only what certainly
// satisfies it (the whole interval is inside the window); a local bound compares the wall clock
// (imgsync:local_datetime), known for every Item.
//
// Place. A radius is a true great-circle distance (haversine on the mean Earth radius). A bbox
// whose west edge is east of its east edge crosses the antimeridian.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

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

enum class KindFilter { kAny, kRaw, kEnhanced };
// kTime and kTimeDescending order by the capture instant (the wall clock when the offset is
// unknown), then by id; kId by id alone; kDistance needs `near`.
enum class SortOrder { kTime, kTimeDescending, kDistance, kId, kIdDescending };

// A polygon in degrees: the outer ring, then holes; each ring closed or not (the last edge is
// implied). Edges are straight in longitude and latitude; a polygon does not cross 180°.
struct GeoPolygon {
  std::vector<std::vector<std::pair<double, double>>> rings;  // (longitude, latitude)
};
// Inside the outer ring and outside every hole (a point on an edge counts as inside).
bool polygon_contains(const GeoPolygon& polygon, double longitude, double latitude);

// Where the previous page ended (keyset pagination): the next page starts strictly after this
// position in the query's sort order, so Items added or removed meanwhile never shift it.
struct PageCursor {
  std::int64_t sort_ms = 0;  // ignored when sorting by id
  std::string id;
};

struct SearchQuery {
  std::optional<TimeBound> from;   // inclusive
  std::optional<TimeBound> until;  // exclusive
  std::optional<GeoBox> box;
  std::optional<GeoCircle> near;
  std::string camera;             // substring of make, model or "make model", ASCII case-folded
  std::vector<std::string> tags;  // every one must be present (ASCII case-folded)
  KindFilter kind = KindFilter::kAny;
  std::optional<bool> has_gps;
  std::vector<std::string> ids;       // when not empty: only these Items
  std::vector<GeoPolygon> within;     // when not empty: a position inside one of them
  SortOrder sort = SortOrder::kTime;  // kDistance needs `near`
  std::optional<PageCursor> after;    // not with kDistance
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
  // The position in time order: the instant when known, else the wall clock.
  std::int64_t sort_ms() const { return utc_start_ms == utc_end_ms ? utc_start_ms : local_ms; }
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

// The Item's properties.updated in milliseconds since the epoch; nullopt without a valid one.
std::optional<std::int64_t> item_updated_ms(const nlohmann::json& item);

// The key an asset's href leads to from the Item at item_key ("../../../../raw/x.jpg" from
// "p/metadata/2026/05/03/x.json" is "p/raw/2026/05/03/x.jpg"); empty for an absolute URL or an
// href that climbs above the bucket.
std::string resolve_href(const std::string& item_key, const std::string& href);

}  // namespace imgsync::catalog
