// imgsync against exiftool on the shared corpus (../shared/corpus/images, read in place).
// The oracle is images/expected.json (exiftool 12.57 -n). For every non-corrupt image with a
// DateTimeOriginal or GPS position in the oracle, imgsync must agree: the time to the second, the
// position to 1e-6 degrees, make and model exactly (trailing spaces aside). Each disagreement is
// either fixed or explained below; an explained file that starts to agree fails the test too, so
// the lists stay honest. Every file of the corpus, broken ones included, must be read without a
// crash, a hang (10 s per file) or a leak (ASan builds).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "media/metadata_extractor.h"
#include "support/test_paths.h"

namespace imgsync::media {
namespace {

using nlohmann::json;

// Explained disagreements, per compared field, by path relative to images/.
const std::map<std::string, std::string> kTimeDisagreements = {
    {"ianare-exif-samples/jpg/Reconyx_HC500_Hyperfire.jpg",
     "DateTimeOriginal exists only in the Reconyx MakerNote, which exiftool decodes and Exiv2 "
     "0.27 does not; the file has no EXIF/XMP date, so imgsync falls back to the mtime"},
    {"ianare-exif-samples/jpg/exif-org/olympus-d320l.jpg",
     "the date is in Olympus' pre-EXIF PictureInfo APP segment (exiftool PictureInfo group), "
     "not in EXIF or XMP; Exiv2 has no reader for it"},
    {"ianare-exif-samples/jpg/exif-org/sony-powershota5.jpg",
     "a Canon CIFF (CRW) heap embedded in a JPEG APP0 segment carries the date; exiftool reads "
     "CIFF inside JPEG, Exiv2 reads CIFF only in .crw files"},
};

const std::map<std::string, std::string> kGpsDisagreements = {
    {"pillow-test-images/exif_gps.jpg",
     "partial GPS IFD: GPSLatitude 4294967295/1 (impossible) without a longitude or hemisphere; "
     "exiftool prints the raw tag, imgsync treats a partial or impossible position as absent"},
    {"exiv2-test-data/IMG_1913_8bit_prophoto_q50.jxr",
     "the GPS IFD's hemisphere refs are garbage bytes (GPSLatitudeRef F8 FD, GPSLongitudeRef "
     "01 FE; GPSVersionID 172.255.255.255 too); exiftool takes an unknown ref as N/E and gives "
     "119.69 E (China) while the XMP says Santa Barbara, California (119.69 W); imgsync does "
     "not guess a hemisphere: no position (MetadataExtractor.JpegXrIsReadThroughItsTiffStructure "
     "shows the same IFD read once the refs are repaired)"},
};

const std::map<std::string, std::string> kCameraDisagreements = {
    {"ianare-exif-samples/jpg/exif-org/sony-powershota5.jpg",
     "Make/Model exist only in the CIFF heap in APP0 (see the time entry); no EXIF, no XMP"},
};

constexpr auto kPerFileLimit = std::chrono::seconds(10);

std::filesystem::path images_dir() {
  return testing::corpus_dir() / "images";
}

// Extraction on its own thread, so a hang is reported instead of blocking the test run. A thread
// that finished is joined (its thread-local state, OpenSSL's included, is gone before the leak
// check); only a hung one is left behind.
std::optional<Result<ImageMetadata>> extract_with_time_limit(const std::filesystem::path& file) {
  auto task = std::make_shared<std::packaged_task<Result<ImageMetadata>()>>(
      [file] { return extract_metadata(file); });
  auto future = task->get_future();
  std::thread worker([task] { (*task)(); });
  if (future.wait_for(kPerFileLimit) != std::future_status::ready) {
    worker.detach();
    return std::nullopt;
  }
  worker.join();
  return future.get();
}

std::string rtrim(std::string text) {
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

// "YYYY:MM:DD HH:MM:SS" (exiftool) and imgsync's fields, to the second.
bool same_time(const std::string& oracle, const CaptureTime& time) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d:%02d:%02d %02d:%02d:%02d", time.year, time.month,
                time.day, time.hour, time.minute, time.second);
  return oracle.substr(0, 19) == buffer;
}

struct Tally {
  int compared = 0;
  int agreed = 0;
  std::map<std::string, std::string> disagreements;  // path -> what differed
};

void check_against_list(const char* field, const Tally& tally,
                        const std::map<std::string, std::string>& explained) {
  std::cout << field << ": " << tally.agreed << "/" << tally.compared << " agree ("
            << (tally.compared ? 100.0 * tally.agreed / tally.compared : 100.0) << "%)\n";
  for (const auto& [path, detail] : tally.disagreements) {
    const auto reason = explained.find(path);
    if (reason == explained.end()) {
      ADD_FAILURE() << field << " disagrees with exiftool for " << path << ": " << detail;
    } else {
      std::cout << "  explained: " << path << ": " << reason->second << "\n";
    }
  }
  for (const auto& [path, reason] : explained) {
    if (!tally.disagreements.contains(path)) {
      ADD_FAILURE() << path << " is on the " << field
                    << " allow-list but now agrees (or is no longer compared): remove it";
    }
  }
}

TEST(MediaCorpusOracle, AgreesWithExiftool) {
  IMGSYNC_REQUIRE_CORPUS();
  const json oracle = json::parse(testing::read_file(images_dir() / "expected.json"));
  Tally time, gps, camera;
  for (const json& entry : oracle) {
    if (entry.value("corrupt", false)) continue;
    const json& exif = entry.at("exif");
    const bool has_time = exif.contains("DateTimeOriginal");
    const bool has_gps = exif.contains("GPSLatitude");
    const bool has_camera = exif.contains("Make") || exif.contains("Model");
    if (!has_time && !has_gps && !has_camera) continue;
    const std::string path = entry.at("path");
    const auto result = extract_with_time_limit(images_dir() / path);
    ASSERT_TRUE(result) << path << ": extraction took longer than " << kPerFileLimit.count()
                        << " s";
    if (!result->ok()) {
      ADD_FAILURE() << path << ": " << result->error().message;
      continue;
    }
    const ImageMetadata& metadata = **result;

    if (has_time) {
      ++time.compared;
      const std::string expected = exif["DateTimeOriginal"].is_string()
                                       ? exif["DateTimeOriginal"].get<std::string>()
                                       : exif["DateTimeOriginal"].dump();
      const auto& got = metadata.captured_at;
      if (got && got->source != CaptureTimeSource::kFileModificationTime &&
          same_time(expected, *got)) {
        ++time.agreed;
      } else {
        time.disagreements[path] =
            "exiftool " + expected + ", imgsync " +
            (got ? got->to_rfc3339() + " from " + to_string(got->source) : std::string("none"));
      }
    }
    if (has_gps) {
      ++gps.compared;
      const double latitude = exif["GPSLatitude"].get<double>();
      const bool has_longitude = exif.contains("GPSLongitude");
      const double longitude = has_longitude ? exif["GPSLongitude"].get<double>() : 0;
      const auto& got = metadata.gps;
      if (got && has_longitude && std::abs(got->latitude - latitude) <= 1e-6 &&
          std::abs(got->longitude - longitude) <= 1e-6) {
        ++gps.agreed;
      } else {
        gps.disagreements[path] =
            "exiftool " + exif["GPSLatitude"].dump() + "," +
            (has_longitude ? exif["GPSLongitude"].dump() : "none") + ", imgsync " +
            (got ? std::to_string(got->latitude) + "," + std::to_string(got->longitude) : "none");
      }
    }
    if (has_camera) {
      for (const auto& [key, value] :
           {std::pair{"Make", &metadata.make}, std::pair{"Model", &metadata.model}}) {
        if (!exif.contains(key)) continue;
        ++camera.compared;
        const std::string expected =
            exif[key].is_string() ? exif[key].get<std::string>() : exif[key].dump();
        if (rtrim(expected) == rtrim(*value)) {
          ++camera.agreed;
        } else {
          camera.disagreements[path] +=
              std::string(key) + ": exiftool \"" + expected + "\", imgsync \"" + *value + "\" ";
        }
      }
    }
  }
  check_against_list("time", time, kTimeDisagreements);
  check_against_list("GPS", gps, kGpsDisagreements);
  check_against_list("make/model", camera, kCameraDisagreements);
  RecordProperty("time_agreement",
                 std::to_string(time.agreed) + "/" + std::to_string(time.compared));
  RecordProperty("gps_agreement", std::to_string(gps.agreed) + "/" + std::to_string(gps.compared));
  RecordProperty("camera_agreement",
                 std::to_string(camera.agreed) + "/" + std::to_string(camera.compared));
  // Guard against a silently shrinking comparison (e.g. a corpus that failed to load).
  EXPECT_GE(time.compared, 100);
  EXPECT_GE(gps.compared, 25);
  EXPECT_GE(camera.compared, 200);
}

// Every file under images/ (broken ones, PoCs, READMEs, the oracle itself): no crash, no hang,
// no exception; either metadata or an error with a message.
TEST(MediaCorpusOracle, EveryFileIsReadSafely) {
  IMGSYNC_REQUIRE_CORPUS();
  int files = 0, read = 0, failed = 0;
  for (const auto& item : std::filesystem::recursive_directory_iterator(images_dir())) {
    if (!item.is_regular_file()) continue;
    ++files;
    const auto result = extract_with_time_limit(item.path());
    ASSERT_TRUE(result) << item.path() << ": extraction took longer than " << kPerFileLimit.count()
                        << " s";
    if (result->ok()) {
      ++read;
      EXPECT_EQ((*result)->sha256.size(), 64u) << item.path();
    } else {
      ++failed;
      EXPECT_FALSE(result->error().message.empty()) << item.path();
      EXPECT_TRUE(result->error().category == ErrorCategory::kInvalidInput ||
                  result->error().category == ErrorCategory::kLocalIo)
          << item.path();
    }
  }
  std::cout << files << " files: " << read << " read, " << failed << " refused with an error\n";
  EXPECT_GE(files, 390);
}

}  // namespace
}  // namespace imgsync::media
