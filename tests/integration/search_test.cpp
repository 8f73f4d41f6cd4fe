// `imgsync search` and `imgsync index rebuild|publish` end to end: the corpus synced to the real
// server, then every answer compared with a brute-force scan of the oracle
// (../shared/corpus/images/expected.json: exiftool's DateTimeOriginal, OffsetTimeOriginal,
// GPSLatitude/GPSLongitude, Make/Model) for time windows, boxes and radii, including ones that
// cross the antimeridian or hold a pole; then the same answers from an index rebuilt from the
// bucket alone, and a published catalog that validates against the STAC schemas.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <set>

#include "app/source_scanner.h"
#include "catalog/journal_store.h"
#include "catalog/search_index.h"
#include "imgsync_cli_fixture.h"
#include "util/hashing.h"

namespace imgsync::testing {
namespace {

using nlohmann::json;

// Files whose capture time imgsync reads differently from exiftool's DateTimeOriginal, for the
// reasons tests/media/corpus_oracle_test.cpp explains (no date Exiv2 can read: imgsync dates
// them by their file time).
// (None since the maker-note readers of issue 14: Reconyx, Olympus/Sanyo PictureInfo.)
const std::set<std::string> kTimeExplained = {};
// Positions imgsync does not take (see corpus_oracle_test.cpp's kGpsDisagreements).
const std::set<std::string> kGpsExplained = {
    "pillow-test-images/exif_gps.jpg",
    "exiv2-test-data/IMG_1913_8bit_prophoto_q50.jxr",
};

constexpr std::int64_t kHourMs = 3'600'000;

// What the oracle says of one uploaded file.
struct OracleEntry {
  std::string path;
  std::string id;  // the Item imgsync made of it
  std::optional<std::int64_t> local_ms;
  std::optional<int> offset_minutes;
  std::optional<double> latitude, longitude;
  std::string make, model;
};

std::optional<std::int64_t> exif_time_ms(const json& value) {
  if (!value.is_string()) return std::nullopt;
  const std::string text = value.get<std::string>();
  int y, mo, d, h, mi, s;
  if (std::sscanf(text.c_str(), "%d:%d:%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6) {
    return std::nullopt;
  }
  using namespace std::chrono;
  const sys_days date = year{y} / month{static_cast<unsigned>(mo)} / day{static_cast<unsigned>(d)};
  return duration_cast<milliseconds>(
             (date + hours{h} + minutes{mi} + seconds{s}).time_since_epoch())
      .count();
}

std::int64_t ms_of(const std::string& iso_z) {
  int y, mo, d, h, mi, s;
  std::sscanf(iso_z.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s);
  using namespace std::chrono;
  const sys_days date = year{y} / month{static_cast<unsigned>(mo)} / day{static_cast<unsigned>(d)};
  return duration_cast<milliseconds>(
             (date + hours{h} + minutes{mi} + seconds{s}).time_since_epoch())
      .count();
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// One query: its flags and the brute-force predicate over the oracle.
struct Case {
  std::string name;
  std::vector<std::string> flags;
  std::function<bool(const OracleEntry&)> predicate;
};

class SearchTest : public ImgsyncCliTest {
 protected:
  std::filesystem::path state() const { return scratch_.path() / "state"; }
  std::string destination() const { return "s3://" + bucket() + "/archive"; }

  ProcessResult search(const std::filesystem::path& state_dir, std::vector<std::string> flags) {
    std::vector<std::string> args{"search", "--to", destination(), "--state-dir",
                                  state_dir.string()};
    args.insert(args.end(), flags.begin(), flags.end());
    return imgsync(args);
  }
  std::vector<std::string> ids_of(const std::filesystem::path& state_dir,
                                  const std::vector<std::string>& flags) {
    auto flags_json = flags;
    flags_json.push_back("--json");
    auto run = search(state_dir, flags_json);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    std::vector<std::string> ids;
    for (const auto& item : json_lines(run.out)) ids.push_back(item["id"]);
    return ids;
  }

  // Syncs the corpus and reads the oracle for every file that became a single-file Item.
  std::vector<OracleEntry> sync_corpus() {
    const auto corpus = corpus_dir() / "images";
    auto run = imgsync({"sync", corpus.string(), "--to", destination(), "--state-dir",
                        state().string(), "--json", "--jobs", "16"});
    EXPECT_EQ(run.exit_code, 0) << run.err;  // damaged files too, with imgsync:metadata_error
    auto journal = catalog::JournalStore::open(state());
    EXPECT_TRUE(journal.ok());
    std::map<std::string, int> files_per_item;
    auto records = journal->all(catalog::FileState::kUploaded);
    EXPECT_TRUE(records.ok());
    std::map<std::string, std::string> id_of;
    for (const auto& record : *records) {
      ++files_per_item[record.name];
      id_of[record.path] = record.name;
    }
    std::vector<OracleEntry> entries;
    const auto oracle = json::parse(read_file(corpus / "expected.json"));
    for (const auto& entry : oracle) {
      const std::string path = entry["path"];
      if (entry.value("corrupt", false) || !id_of.contains((corpus / path).string())) continue;
      OracleEntry e;
      e.path = path;
      e.id = id_of[(corpus / path).string()];
      if (files_per_item[e.id] != 1) continue;  // a shared Item describes its primary file
      const json& exif = entry["exif"];
      // The capture time: DateTimeOriginal, else CreateDate (EXIF DateTimeDigitized or XMP
      // CreateDate), as imgsync reads them; the offset from OffsetTimeOriginal or the value.
      const char* time_tag = exif.contains("DateTimeOriginal") ? "DateTimeOriginal" : "CreateDate";
      if (exif.contains(time_tag) && exif[time_tag].is_string() && !kTimeExplained.contains(path)) {
        const std::string value = exif[time_tag];
        e.local_ms = exif_time_ms(value);
        std::string offset = value.size() == 25 ? value.substr(19) : "";
        if (std::string(time_tag) == "DateTimeOriginal" && exif.contains("OffsetTimeOriginal") &&
            exif["OffsetTimeOriginal"].is_string()) {
          offset = exif["OffsetTimeOriginal"];
        }
        int hours = 0, minutes = 0;
        char sign = '+';
        if (std::sscanf(offset.c_str(), "%c%d:%d", &sign, &hours, &minutes) == 3) {
          e.offset_minutes = (sign == '-' ? -1 : 1) * (hours * 60 + minutes);
        }
      }
      if (exif.contains("GPSLatitude") && exif.contains("GPSLongitude") &&
          !kGpsExplained.contains(path)) {
        e.latitude = exif["GPSLatitude"].get<double>();
        e.longitude = exif["GPSLongitude"].get<double>();
      }
      e.make = exif.contains("Make") ? exif["Make"].dump() : "";
      e.model = exif.contains("Model") ? exif["Model"].dump() : "";
      entries.push_back(std::move(e));
    }
    EXPECT_GE(entries.size(), 150u);
    return entries;
  }

  std::vector<Case> cases() const {
    auto near = [](double latitude, double longitude, double metres) {
      return [=](const OracleEntry& e) {
        return e.latitude &&
               catalog::haversine_metres(*e.latitude, *e.longitude, latitude, longitude) <= metres;
      };
    };
    auto in_box = [](double west, double south, double east, double north) {
      return [=](const OracleEntry& e) {
        if (!e.latitude || *e.latitude < south || *e.latitude > north) return false;
        return west <= east ? *e.longitude >= west && *e.longitude <= east
                            : *e.longitude >= west || *e.longitude <= east;
      };
    };
    auto local_window = [](const std::string& from, const std::string& until) {
      return [=](const OracleEntry& e) {
        return e.local_ms && *e.local_ms >= ms_of(from) && *e.local_ms < ms_of(until);
      };
    };
    // A UTC window holds an Item whose instant certainly lies in it: without an offset the
    // instant is anywhere in [local - 14 h, local + 12 h].
    auto utc_window = [](const std::string& from, const std::string& until) {
      return [=](const OracleEntry& e) {
        if (!e.local_ms) return false;
        const std::int64_t start = e.offset_minutes ? *e.local_ms - *e.offset_minutes * 60'000
                                                    : *e.local_ms - 14 * kHourMs;
        const std::int64_t end = e.offset_minutes ? start : *e.local_ms + 12 * kHourMs;
        return start >= ms_of(from) && end < ms_of(until);
      };
    };
    return {
        {"box around Tuscany",
         {"--bbox", "11.87,43.46,11.89,43.47"},
         in_box(11.87, 43.46, 11.89, 43.47)},
        {"box over the USA", {"--bbox", "-130,25,-65,50"}, in_box(-130, 25, -65, 50)},
        {"box across the antimeridian", {"--bbox", "100,-60,-100,60"}, in_box(100, -60, -100, 60)},
        {"polar cap box", {"--bbox", "-180,50,180,90"}, in_box(-180, 50, 180, 90)},
        {"500 m around a DSCN photo",
         {"--near", "43.4674,11.8851", "--radius", "500m"},
         near(43.4674, 11.8851, 500)},
        {"5 km around Stonehenge",
         {"--near", "51.178,-1.8266", "--radius", "5km"},
         near(51.178, -1.8266, 5000)},
        {"circle across the antimeridian",
         {"--near", "40,-170", "--radius", "9000km"},
         near(40, -170, 9e6)},
        {"circle around the north pole",
         {"--near", "90,0", "--radius", "5000km"},
         near(90, 0, 5e6)},
        {"circle around the south pole",
         {"--near", "-89.9,45", "--radius", "12000km"},
         near(-89.9, 45, 1.2e7)},
        {"one local day",
         {"--since", "2008-10-22", "--until", "2008-10-22"},
         local_window("2008-10-22T00:00:00", "2008-10-23T00:00:00")},
        {"local July 2015",
         {"--since", "2015-07-01", "--until", "2015-07-31"},
         local_window("2015-07-01T00:00:00", "2015-08-01T00:00:00")},
        {"local minutes",
         {"--since", "2008-10-22T16:30", "--until", "2008-10-22T16:50"},
         local_window("2008-10-22T16:30:00", "2008-10-22T16:51:00")},
        {"local 2005-2010",
         {"--since", "2005-01-01", "--until", "2010-12-31"},
         local_window("2005-01-01T00:00:00", "2011-01-01T00:00:00")},
        {"UTC day with an offset",
         {"--since", "2021-04-11T00:00:00Z", "--until", "2021-04-11T23:59:59Z"},
         utc_window("2021-04-11T00:00:00", "2021-04-12T00:00:00")},
        {"UTC days",
         {"--since", "2008-10-22", "--until", "2008-10-23", "--utc"},
         utc_window("2008-10-22T00:00:00", "2008-10-24T00:00:00")},
        {"UTC 2020-2021 by offset",
         {"--since", "2020-01-01T00:00+00:00", "--until", "2021-12-31T23:59Z"},
         utc_window("2020-01-01T00:00:00", "2022-01-01T00:00:00")},
        {"place and time",
         {"--near", "43.4674,11.8851", "--radius", "300m", "--since", "2008-10-22T16:30", "--until",
          "2008-10-22T17:00"},
         [=](const OracleEntry& e) {
           return near(43.4674, 11.8851, 300)(e) &&
                  local_window("2008-10-22T16:30:00", "2008-10-22T17:01:00")(e);
         }},
        {"has GPS", {"--has-gps"}, [](const OracleEntry& e) { return e.latitude.has_value(); }},
        {"camera nikon",
         {"--camera", "NiKoN"},
         [](const OracleEntry& e) {
           return lower(e.make).find("nikon") != std::string::npos ||
                  lower(e.model).find("nikon") != std::string::npos;
         }},
    };
  }

  ScratchDir scratch_{"imgsync-search"};
};

TEST_F(SearchTest, CorpusAnswersEqualTheOracleAlsoAfterARebuildAndTheCatalogIsValidStac) {
  IMGSYNC_REQUIRE_CORPUS();
  const auto entries = sync_corpus();
  std::map<std::string, const OracleEntry*> by_id;
  for (const auto& e : entries) by_id[e.id] = &e;

  int non_empty = 0;
  std::map<std::string, std::vector<std::string>> answers;
  for (const auto& c : cases()) {
    std::set<std::string> expected;
    for (const auto& e : entries) {
      if (c.predicate(e)) expected.insert(e.id);
    }
    std::set<std::string> got;
    auto ids = ids_of(state(), c.flags);
    for (const auto& id : ids) {
      if (by_id.contains(id)) got.insert(id);  // Items of damaged or shared files are not compared
    }
    std::vector<std::string> extra, missing;
    std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(),
                        std::back_inserter(extra));
    std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(),
                        std::back_inserter(missing));
    EXPECT_TRUE(extra.empty() && missing.empty())
        << c.name << ": found but not predicted " << ::testing::PrintToString(extra)
        << "; predicted but not found " << ::testing::PrintToString(missing);
    non_empty += expected.empty() ? 0 : 1;
    answers[c.name] = ids;
  }
  EXPECT_GE(non_empty, 15);

  // Distance order: nearest first, within the radius.
  auto sorted = search(state(), {"--near", "43.4674,11.8851", "--radius", "2km", "--sort",
                                 "distance", "--format", "json"});
  ASSERT_EQ(sorted.exit_code, 0) << sorted.err;
  const auto collection = json::parse(sorted.out);
  double last = 0;
  ASSERT_GE(collection["features"].size(), 9u);
  for (const auto& item : collection["features"]) {
    const auto& point = item["geometry"]["coordinates"];
    const double d = catalog::haversine_metres(point[1], point[0], 43.4674, 11.8851);
    EXPECT_GE(d, last);
    last = d;
  }
  auto limited = ids_of(state(), {"--has-gps", "--sort=-time", "--limit", "3"});
  EXPECT_EQ(limited.size(), 3u);

  // A machine that never uploaded: the index from the bucket alone gives the same answers.
  const auto fresh = scratch_.path() / "laptop";
  auto rebuilt =
      imgsync({"index", "rebuild", "--to", destination(), "--state-dir", fresh.string(), "--json"});
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.err << rebuilt.out;
  auto rebuild_summary = summary_of(rebuilt.out);
  auto original = catalog::SearchIndex::open(state());
  ASSERT_TRUE(original.ok());
  EXPECT_EQ(rebuild_summary["indexed"], *original->count());
  for (const auto& c : cases()) EXPECT_EQ(ids_of(fresh, c.flags), answers[c.name]) << c.name;

  // The published catalog: valid STAC, linking every Item relatively; items.ndjson holds them.
  auto published =
      imgsync({"index", "publish", "--to", destination(), "--state-dir", fresh.string(), "--json"});
  ASSERT_EQ(published.exit_code, 0) << published.err;
  auto catalog_object = client().get_object({bucket(), "archive/catalog/catalog.json", {}, {}});
  ASSERT_TRUE(catalog_object.ok());
  const auto catalog_json = json::parse(catalog_object->body);
  auto ndjson = client().get_object({bucket(), "archive/catalog/items.ndjson", {}, {}});
  ASSERT_TRUE(ndjson.ok());
  const auto lines = json_lines(ndjson->body);
  EXPECT_EQ(static_cast<std::int64_t>(lines.size()), *original->count());
  std::vector<std::string> files{(scratch_.path() / "catalog.json").string()};
  write_file(files[0], catalog_object->body);
  int item_links = 0;
  for (const auto& link : catalog_json["links"]) {
    if (link["rel"] != "item") continue;
    ++item_links;
    const std::string key =
        catalog::resolve_href("archive/catalog/catalog.json", link["href"].get<std::string>());
    if (item_links <= 20) {
      EXPECT_TRUE(client().head_object(bucket(), key).ok()) << key;
    }
  }
  EXPECT_EQ(item_links, static_cast<int>(lines.size()));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    files.push_back((scratch_.path() / ("item_" + std::to_string(i) + ".json")).string());
    write_file(files.back(), lines[i].dump());
  }
  std::vector<std::string> validate{(source_dir() / "tests/tools/validate-stac.mjs").string(),
                                    "--schemas", (corpus_dir() / "stac-schemas").string()};
  validate.insert(validate.end(), files.begin(), files.end());
  auto validated = run_process("/usr/bin/node", validate);
  EXPECT_EQ(validated.exit_code, 0) << validated.out.substr(0, 4000) << validated.err;
  EXPECT_NE(validated.out.find("catalog.json: valid"), std::string::npos);
}

TEST_F(SearchTest, UrlsAndDownloadsDeliverTheMatchingAssetsIntact) {
  const auto photos = scratch_.path() / "photos";
  for (const auto& entry : std::filesystem::directory_iterator(source_dir() / "samples")) {
    if (entry.path().extension() == ".jpg") {
      std::filesystem::create_directories(photos);
      std::filesystem::copy_file(entry.path(), photos / entry.path().filename());
    }
  }
  auto synced = imgsync(
      {"sync", photos.string(), "--to", destination(), "--state-dir", state().string(), "--json"});
  ASSERT_EQ(synced.exit_code, 0) << synced.err;
  // DSCN0010/25/38/42 lie within 1 km of each other in Tuscany.
  const std::vector<std::string> place{"--near", "43.4674,11.8851", "--radius", "1km"};
  auto keys = search(state(), {place[0], place[1], place[2], place[3], "--format", "keys"});
  ASSERT_EQ(keys.exit_code, 0) << keys.err;
  std::vector<std::string> key_lines;
  std::istringstream stream(keys.out);
  for (std::string line; std::getline(stream, line);) key_lines.push_back(line);
  ASSERT_EQ(key_lines.size(), 4u) << keys.out;
  for (const auto& key : key_lines) EXPECT_TRUE(key.starts_with("archive/enhanced/")) << key;

  auto urls = search(
      state(), {place[0], place[1], place[2], place[3], "--format", "urls", "--expires", "10m"});
  ASSERT_EQ(urls.exit_code, 0) << urls.err;
  std::istringstream url_stream(urls.out);
  std::string url;
  ASSERT_TRUE(std::getline(url_stream, url));
  EXPECT_NE(url.find("X-Amz-Expires=600"), std::string::npos) << url;
  const auto fetched = scratch_.path() / "fetched.jpg";
  auto curl = run_process("/usr/bin/curl", {"-sf", "-o", fetched.string(), url});
  ASSERT_EQ(curl.exit_code, 0) << url;
  bool same_as_a_sample = false;
  for (const auto& entry : std::filesystem::directory_iterator(photos)) {
    same_as_a_sample |= read_file(entry.path()) == read_file(fetched);
  }
  EXPECT_TRUE(same_as_a_sample);

  const auto downloads = scratch_.path() / "downloads";
  auto got = search(state(), {place[0], place[1], place[2], place[3], "--download",
                              downloads.string(), "--json"});
  ASSERT_EQ(got.exit_code, 0) << got.err << got.out;
  auto summary = summary_of(got.out);
  EXPECT_EQ(summary["assets"], 4);
  EXPECT_EQ(summary["items"], 4);
  std::set<std::string> sample_hashes;
  for (const auto& entry : std::filesystem::directory_iterator(photos)) {
    sample_hashes.insert(to_hex(sha256(read_file(entry.path()))));
  }
  for (const auto& key : key_lines) {
    const auto file = downloads / key.substr(std::string("archive/").size());
    ASSERT_TRUE(std::filesystem::exists(file)) << file;
    EXPECT_TRUE(sample_hashes.contains(to_hex(sha256(read_file(file))))) << file;
  }
  // Each downloaded Item's hrefs lead to the downloaded asset beside it.
  int items = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(downloads / "metadata")) {
    if (!entry.is_regular_file()) continue;
    ++items;
    const auto item = json::parse(read_file(entry.path()));
    const auto asset =
        entry.path().parent_path() / item["assets"]["enhanced"]["href"].get<std::string>();
    ASSERT_TRUE(std::filesystem::exists(asset)) << asset;
    EXPECT_EQ("1220" + to_hex(sha256(read_file(asset))),
              item["assets"]["enhanced"]["file:checksum"]);
  }
  EXPECT_EQ(items, 4);
  // Again: everything is there already.
  auto again = search(state(), {place[0], place[1], place[2], place[3], "--download",
                                downloads.string(), "--json"});
  EXPECT_EQ(summary_of(again.out)["skipped"], 4);
}

TEST_F(SearchTest, BadArgumentsAreClearErrors) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> mistakes = {
      {{"--near", "91,8.5", "--radius", "5km"}, "latitude 91 is out of range"},
      {{"--near", "47.3,181", "--radius", "5km"}, "longitude 181 is out of range"},
      {{"--near", "47.3,8.5", "--radius", "5parsecs"}, "unknown unit \"parsecs\""},
      {{"--near", "47.3,8.5", "--radius", "5"}, "give a unit"},
      {{"--near", "47.3,8.5"}, "--near needs --radius"},
      {{"--since", "2026-05-31", "--until", "2026-05-01"}, "--until 2026-05-01 is before --since"},
      {{"--since", "2026-02-30"}, "no such day"},
      {{"--since", "yesterday"}, "not a date"},
      {{"--bbox", "8,48,9,47"}, "is north of north"},
      {{"--bbox", "8,47,9"}, "write W,S,E,N"},
      {{"--sort", "distance"}, "--sort distance needs --near"},
      {{"--format", "urls", "--expires", "30d"}, "at most 7 days"},
  };
  for (const auto& [flags, message] : mistakes) {
    auto run = search(state(), flags);
    EXPECT_EQ(run.exit_code, 2) << ::testing::PrintToString(flags);
    EXPECT_NE(run.err.find(message), std::string::npos)
        << ::testing::PrintToString(flags) << ": " << run.err;
  }
}

}  // namespace
}  // namespace imgsync::testing
