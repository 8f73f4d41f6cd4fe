// SearchIndex::search: which way a query is answered (search_sql.h), and the geometry of places:
// the boxes covering a circle or a polygon for the R*Tree, and the polygon test.
#include <algorithm>
#include <cmath>

#include "catalog/search_index.h"
#include "catalog/search_sql.h"

namespace imgsync::catalog {
namespace {

// Slack around prefilter boxes, in degrees (about 1 cm): rounding must never lose a point.
constexpr double kMarginDegrees = 1e-7;
constexpr double kDegrees = 180.0 / M_PI;

// The bounding box of a polygon's outer ring.
GeoBox bounding_box(const GeoPolygon& polygon) {
  GeoBox box{.west = 180, .south = 90, .east = -180, .north = -90};
  if (polygon.rings.empty()) return box;
  for (const auto& [longitude, latitude] : polygon.rings.front()) {
    box.west = std::min(box.west, longitude - kMarginDegrees);
    box.east = std::max(box.east, longitude + kMarginDegrees);
    box.south = std::min(box.south, latitude - kMarginDegrees);
    box.north = std::max(box.north, latitude + kMarginDegrees);
  }
  return box;
}

// Ray casting; a point on an edge is inside.
bool ring_contains(const std::vector<std::pair<double, double>>& ring, double x, double y) {
  bool inside = false;
  const std::size_t n = ring.size();
  for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
    const auto [xi, yi] = ring[i];
    const auto [xj, yj] = ring[j];
    const double cross = (xj - xi) * (y - yi) - (yj - yi) * (x - xi);
    if (cross == 0 && std::min(xi, xj) <= x && x <= std::max(xi, xj) && std::min(yi, yj) <= y &&
        y <= std::max(yi, yj)) {
      return true;  // on the edge
    }
    if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

}  // namespace

bool polygon_contains(const GeoPolygon& polygon, double longitude, double latitude) {
  if (polygon.rings.empty() || polygon.rings.front().size() < 3) return false;
  if (!ring_contains(polygon.rings.front(), longitude, latitude)) return false;
  for (std::size_t i = 1; i < polygon.rings.size(); ++i) {
    // A point on a hole's edge is on the polygon's boundary, so inside.
    if (polygon.rings[i].size() >= 3 && ring_contains(polygon.rings[i], longitude, latitude)) {
      bool on_edge = false;
      const auto& hole = polygon.rings[i];
      for (std::size_t k = 0, j = hole.size() - 1; k < hole.size() && !on_edge; j = k++) {
        on_edge = ring_contains({hole[j], hole[k], hole[j]}, longitude, latitude);
      }
      if (!on_edge) return false;
    }
  }
  return true;
}

void register_within_function(sqlite3* database) {
  sqlite3_create_function(
      database, "imgsync_within", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
      [](sqlite3_context* context, int, sqlite3_value** values) {
        const auto* polygons = static_cast<const std::vector<GeoPolygon>*>(
            sqlite3_value_pointer(values[2], kPolygonsType));
        if (polygons == nullptr || sqlite3_value_type(values[0]) == SQLITE_NULL ||
            sqlite3_value_type(values[1]) == SQLITE_NULL) {
          return sqlite3_result_int(context, 0);
        }
        const double latitude = sqlite3_value_double(values[0]);
        const double longitude = sqlite3_value_double(values[1]);
        for (const auto& polygon : *polygons) {
          if (polygon_contains(polygon, longitude, latitude)) return sqlite3_result_int(context, 1);
        }
        sqlite3_result_int(context, 0);
      },
      nullptr, nullptr);
}

std::vector<GeoBox> split_at_antimeridian(const GeoBox& box) {
  if (box.west <= box.east) return {box};
  return {{box.west, box.south, 180, box.north}, {-180, box.south, box.east, box.north}};
}

std::vector<GeoBox> covering_boxes(const GeoCircle& circle) {
  const double angle = circle.radius_metres / kEarthRadiusMetres;  // radians
  if (angle >= M_PI) return {{-180, -90, 180, 90}};
  const double south = circle.latitude - angle * kDegrees - kMarginDegrees;
  const double north = circle.latitude + angle * kDegrees + kMarginDegrees;
  // Around a pole the circle spans every longitude.
  if (north >= 90) return {{-180, std::max(-90.0, south), 180, 90}};
  if (south <= -90) return {{-180, -90, 180, north}};
  // The widest longitude extent is at the tangent latitude, not at the centre's.
  const double ratio = std::sin(angle) / std::cos(circle.latitude / kDegrees);
  if (ratio >= 1) return {{-180, south, 180, north}};
  const double half_width = std::asin(ratio) * kDegrees + kMarginDegrees;
  double west = circle.longitude - half_width, east = circle.longitude + half_width;
  if (east - west >= 360) return {{-180, south, 180, north}};
  if (west < -180) west += 360;
  if (east > 180) east -= 360;
  return split_at_antimeridian({west, south, east, north});
}

std::vector<GeoBox> prefilter_boxes(const SearchQuery& query) {
  std::vector<GeoBox> boxes;
  if (query.near) {
    boxes = covering_boxes(*query.near);
  } else if (query.box) {
    boxes = split_at_antimeridian(*query.box);
  } else {
    for (const auto& polygon : query.within) boxes.push_back(bounding_box(polygon));
  }
  return boxes;
}

// A place with a page in time order reads only as far as the page needs
// (search_time_page.cpp); every other query is one statement.
Result<std::vector<SearchHit>> SearchIndex::search(const SearchQuery& query) {
  if (query.sort == SortOrder::kDistance && !query.near) {
    return make_error(ErrorCategory::kInvalidInput, "sorting by distance needs --near");
  }
  if (query.sort == SortOrder::kDistance && query.after) {
    return make_error(ErrorCategory::kInvalidInput, "pages sorted by distance cannot be resumed");
  }
  const std::vector<GeoBox> boxes = prefilter_boxes(query);
  const bool by_time = query.sort == SortOrder::kTime || query.sort == SortOrder::kTimeDescending;
  if (!boxes.empty() && by_time && query.limit && *query.limit > 0) {
    return search_page_in_time_order(database_, query, boxes);
  }
  return run_search(database_, search_sql(query, boxes));
}

}  // namespace imgsync::catalog
