// A place with a page in time order (SearchIndex::search). The R*Tree gives each candidate a
// bound on its sort time: its span starts at least a second before the Item's sort_ms and ends
// at least a second after it (SearchIndex::insert pads it, the tree rounds outwards). The
// candidates are read in the order of that bound, each row checked exactly as search_sql()
// checks it, until a page has passed and the next bound lies beyond the page's last Item: no
// candidate after it can come before that Item. A broad place (thousands of candidates) so costs
// one walk of the tree and about a page of rows, however many Items it holds; a narrow filter
// (camera, tags) reads on until a page has passed, at worst every candidate once.
#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "catalog/search_index.h"
#include "catalog/search_sql.h"

namespace imgsync::catalog {
namespace {

constexpr double kRadiansPerDegree = M_PI / 180.0;

struct Candidate {
  std::int64_t bound_ms = 0;  // sort_ms is at least this (at most, descending)
  std::int64_t row = 0;
};

// Whether the point the tree holds for an Item (its position rounded outwards to float32: a box
// a few centimetres wide) may lie in the query's circle (always, without one). Never false for a
// point the exact check keeps: the half-diagonal of the box and a metre for rounding are added to
// the radius.
class CircleReach {
 public:
  explicit CircleReach(const std::optional<GeoCircle>& circle)
      : any_(!circle),
        latitude_(circle ? circle->latitude * kRadiansPerDegree : 0),
        longitude_(circle ? circle->longitude * kRadiansPerDegree : 0),
        cos_latitude_(std::cos(latitude_)),
        radius_metres_(circle ? circle->radius_metres : 0) {}

  bool may_hold(double south, double north, double west, double east) const {
    if (any_) return true;
    const double half_diagonal =
        ((north - south) + (east - west)) / 2 * kRadiansPerDegree * kEarthRadiusMetres;
    const double reach = (radius_metres_ + half_diagonal + 1.0) / (2 * kEarthRadiusMetres);
    if (half_diagonal > 1000 || reach >= M_PI / 2) return true;  // not a point, or everywhere
    // Haversine: the distance grows with `a`, so compare `a` with that of the reach.
    const double latitude = (south + north) / 2 * kRadiansPerDegree;
    const double longitude = (west + east) / 2 * kRadiansPerDegree;
    const double half_dlat = std::sin((latitude - latitude_) / 2);
    const double half_dlon = std::sin((longitude - longitude_) / 2);
    const double a =
        half_dlat * half_dlat + cos_latitude_ * std::cos(latitude) * half_dlon * half_dlon;
    const double limit = std::sin(reach);
    return a <= limit * limit;
  }

 private:
  bool any_;
  double latitude_, longitude_, cos_latitude_, radius_metres_;
};

// The tree's candidates, each with its time bound (milliseconds) in the query's order; those of
// a circle that certainly lie outside it left out.
Result<std::vector<Candidate>> tree_candidates(Database& database, const SearchQuery& query,
                                               const std::vector<GeoBox>& boxes, bool descending) {
  SqlBuilder sql;
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    sql.add(i == 0 ? "" : " UNION ALL ");
    sql.add(descending ? "SELECT id, max_time" : "SELECT id, min_time");
    if (query.near) sql.add(", min_latitude, max_latitude, min_longitude, max_longitude");
    sql.add(
        " FROM positions WHERE max_latitude >= ? AND min_latitude <= ? AND max_longitude >= ? AND "
        "min_longitude <= ?",
        boxes[i].south, boxes[i].north, boxes[i].west, boxes[i].east);
    add_tree_window(sql, query);
  }
  auto statement = database.prepare(sql.text());
  if (!statement.ok()) return statement.take_error();
  sql.bind(*statement);
  const CircleReach circle(query.near);
  std::vector<Candidate> candidates;
  while (true) {
    auto row = statement->step();
    if (!row.ok()) return row.take_error();
    if (!*row) break;
    if (query.near && !circle.may_hold(statement->real(2), statement->real(3), statement->real(4),
                                       statement->real(5))) {
      continue;
    }
    // The tree's time is in its own unit; whole seconds outwards keep the bound a bound.
    const double seconds = statement->real(1) / kRtreeTimeScale;
    const double whole = descending ? std::ceil(seconds) : std::floor(seconds);
    candidates.push_back(
        {.bound_ms = static_cast<std::int64_t>(whole) * 1000, .row = statement->integer(0)});
  }
  return candidates;
}

// One snapshot for the tree's walk and the rows read after it (unless the caller holds one).
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Database& database)
      : database_(database),
        began_(sqlite3_get_autocommit(database.handle()) != 0 && database.execute("BEGIN").ok()) {}
  ~ReadSnapshot() {
    if (began_) (void)database_.execute("COMMIT");
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  Database& database_;
  bool began_;
};

// The statement reading one candidate's row (the last parameter) when it passes every condition.
SqlBuilder row_sql(const SearchQuery& query) {
  SqlBuilder sql;
  sql.add(std::string("SELECT ") + kHitColumns + ", ");
  if (query.near) {
    sql.add("imgsync_distance(i.latitude, i.longitude, ?, ?)", query.near->latitude,
            query.near->longitude);
  } else {
    sql.add("NULL");
  }
  sql.add(" FROM items i JOIN cameras c ON c.id = i.camera WHERE 1");
  add_conditions(sql, query, /*spatial=*/true);
  sql.add(" AND i.rowid = ?", std::int64_t{0});
  return sql;
}

// The first `size` hits so far in the query's order. A hit that falls off the end gives its
// place in memory to the next one, and the page is put in order where it lies: a page of
// a thousand Items is a few hundred kilobytes, and fresh memory costs a page fault per 4 KiB.
class PageOfHits {
  // The order of the query, on indexes into hits_.
  auto earlier() const {
    return [this](std::size_t a, std::size_t b) {
      const std::int64_t sort_a = hits_[a].sort_ms(), sort_b = hits_[b].sort_ms();
      if (sort_a != sort_b) return descending_ ? sort_a > sort_b : sort_a < sort_b;
      return descending_ ? hits_[a].id > hits_[b].id : hits_[a].id < hits_[b].id;
    };
  }

 public:
  PageOfHits(std::size_t size, bool descending, std::size_t expected)
      : size_(size), descending_(descending) {
    hits_.reserve(std::min(size, expected) + 1);
  }
  bool full() const { return heap_.size() == size_; }
  // The sort time of the page's last hit (only when full()).
  std::int64_t last_sort_ms() const { return hits_[heap_.front()].sort_ms(); }

  void add(SearchHit hit) {
    std::size_t slot = hits_.size();
    if (free_slot_) {
      slot = *std::exchange(free_slot_, std::nullopt);
      hits_[slot] = std::move(hit);
    } else {
      hits_.push_back(std::move(hit));
    }
    heap_.push_back(slot);
    std::push_heap(heap_.begin(), heap_.end(), earlier());
    if (heap_.size() > size_) {
      std::pop_heap(heap_.begin(), heap_.end(), earlier());
      free_slot_ = heap_.back();
      heap_.pop_back();
    }
  }

  std::vector<SearchHit> take() && {
    if (free_slot_ && *free_slot_ != hits_.size() - 1) {  // the last hit fills the free slot
      hits_[*free_slot_] = std::move(hits_.back());
      *std::find(heap_.begin(), heap_.end(), hits_.size() - 1) = *free_slot_;
    }
    if (free_slot_) hits_.pop_back();
    std::sort(heap_.begin(), heap_.end(), earlier());
    // hits_[k] takes the hit at heap_[k]: follow each cycle of the permutation, swapping.
    std::vector<std::size_t> target(hits_.size());
    for (std::size_t k = 0; k < heap_.size(); ++k) target[heap_[k]] = k;
    for (std::size_t i = 0; i < hits_.size(); ++i) {
      while (target[i] != i) {
        std::swap(hits_[i], hits_[target[i]]);
        std::swap(target[i], target[target[i]]);
      }
    }
    return std::move(hits_);
  }

 private:
  std::size_t size_;
  bool descending_;
  std::vector<SearchHit> hits_;
  std::vector<std::size_t> heap_;  // indexes into hits_: the page, its last hit on top
  std::optional<std::size_t> free_slot_;
};

}  // namespace

Result<std::vector<SearchHit>> search_page_in_time_order(Database& database,
                                                         const SearchQuery& query,
                                                         const std::vector<GeoBox>& boxes) {
  const bool descending = query.sort == SortOrder::kTimeDescending;
  const auto page_size = static_cast<std::size_t>(*query.limit);
  ReadSnapshot snapshot(database);
  auto candidates = tree_candidates(database, query, boxes, descending);
  if (!candidates.ok()) return candidates.take_error();
  // A heap with the candidate of the earliest bound (latest, descending) on top; a candidate
  // found in two boxes comes out twice in a row.
  auto read_later = [descending](const Candidate& a, const Candidate& b) {
    if (a.bound_ms != b.bound_ms)
      return descending ? a.bound_ms < b.bound_ms : a.bound_ms > b.bound_ms;
    return a.row > b.row;
  };
  std::make_heap(candidates->begin(), candidates->end(), read_later);

  const SqlBuilder sql = row_sql(query);
  auto statement = database.prepare(sql.text());
  if (!statement.ok()) return statement.take_error();
  sql.bind(*statement);
  const int row_parameter = static_cast<int>(sql.parameter_count());
  PageOfHits page(page_size, descending, candidates->size());
  std::int64_t previous_row = -1;
  for (auto end = candidates->end(); end != candidates->begin(); --end) {
    std::pop_heap(candidates->begin(), end, read_later);
    const Candidate& next = *(end - 1);
    if (next.row == previous_row) continue;
    previous_row = next.row;
    if (page.full() &&
        (descending ? next.bound_ms < page.last_sort_ms() : next.bound_ms > page.last_sort_ms())) {
      break;
    }
    statement->rewind();
    statement->bind(row_parameter, next.row);
    auto row = statement->step();
    if (!row.ok()) return row.take_error();
    if (*row) page.add(read_hit(*statement));
  }
  return std::move(page).take();
}

}  // namespace imgsync::catalog
