#include "media/sidecar_reader.h"

#include <gtest/gtest.h>

#include "media/metadata_extractor.h"
#include "support/test_paths.h"
#include "synthetic_images.h"

namespace imgsync::media {
namespace {

using imgsync::testing::ScratchDir;
using imgsync::testing::write_file;

// A JPEG whose EXIF says: 2020-01-01 12:00:00, GPS 10N 20E, Canon, keyword "camera".
std::string camera_jpeg() {
  testing::ExifSpec spec;
  spec.ifd0 = {testing::ascii_entry(0x010f, "Canon"), testing::ascii_entry(0x0110, "EOS R6")};
  spec.exif_ifd = {testing::ascii_entry(0x9003, "2020:01:01 12:00:00"),
                   testing::ascii_entry(0x9011, "+01:00")};
  spec.gps_ifd = std::vector<testing::TiffEntry>{
      testing::ascii_entry(0x0001, "N"), testing::dms_entry(0x0002, 10, 0, 0),
      testing::ascii_entry(0x0003, "E"), testing::dms_entry(0x0004, 20, 0, 0)};
  return testing::build_jpeg(
      testing::build_exif_tiff(spec),
      testing::xmp_packet("",
                          "<dc:subject><rdf:Bag><rdf:li>camera</rdf:li></rdf:Bag></dc:subject>"));
}

TEST(SidecarReader, JsonFormat) {
  const auto layer = parse_json_sidecar(R"({
    "captured_at": "2026-05-03T14:22:05+02:00",
    "gps": {"lat": 47.37, "lon": 8.54, "alt": 408},
    "tags": ["survey", "roof"], "make": "DJI", "model": "FC3411", "lens": "24mm",
    "serial": "X1", "orientation": 6, "image_direction": 90.5,
    "drone": {"relative_altitude": 49.8, "gimbal_pitch": -90},
    "some_future_key": true})");
  ASSERT_TRUE(layer.ok()) << layer.error().message;
  EXPECT_EQ(layer->captured_at->to_rfc3339(), "2026-05-03T14:22:05+02:00");
  EXPECT_EQ(layer->captured_at->source, CaptureTimeSource::kSidecar);
  EXPECT_EQ(layer->gps->latitude, 47.37);
  EXPECT_EQ(layer->gps->altitude, 408);
  EXPECT_EQ(layer->tags, (std::vector<std::string>{"survey", "roof"}));
  EXPECT_EQ(layer->make, "DJI");
  EXPECT_EQ(layer->orientation, 6);
  EXPECT_EQ(layer->image_direction, 90.5);
  EXPECT_EQ(layer->drone.relative_altitude, 49.8);
  EXPECT_EQ(layer->drone.gimbal_pitch, -90);
}

TEST(SidecarReader, JsonErrorsNameTheProblem) {
  for (const char* text :
       {"not json", "[1,2]", R"({"captured_at": "yesterday"})", R"({"gps": {"lat": 91, "lon": 0}})",
        R"({"gps": {"lat": 1}})", R"({"gps": 5})", R"({"tags": "a,b"})", R"({"tags": [1]})",
        R"({"orientation": 9})", R"({"make": 5})", R"({"drone": []})"}) {
    const auto layer = parse_json_sidecar(text);
    EXPECT_FALSE(layer.ok()) << text;
    if (!layer.ok()) {
      EXPECT_EQ(layer.error().category, ErrorCategory::kInvalidInput);
      EXPECT_FALSE(layer.error().message.empty());
    }
  }
}

TEST(SidecarReader, FindsSidecarsWeakestFirst) {
  ScratchDir dir("imgsync-sidecar");
  const auto image = dir.path() / "IMG_0001.JPG";
  write_file(image, camera_jpeg());
  EXPECT_TRUE(find_sidecars(image).empty());
  write_file(dir.path() / "IMG_0001.json", "{}");
  write_file(dir.path() / "IMG_0001.JPG.xmp", testing::xmp_packet(""));
  write_file(dir.path() / "IMG_0001.XMP", testing::xmp_packet(""));
  write_file(dir.path() / "IMG_0002.json", "{}");  // another image's
  const auto sidecars = find_sidecars(image);
  ASSERT_EQ(sidecars.size(), 3u);
  EXPECT_EQ(sidecars[0].path.filename(), "IMG_0001.XMP");
  EXPECT_EQ(sidecars[1].path.filename(), "IMG_0001.JPG.xmp");
  EXPECT_EQ(sidecars[2].path.filename(), "IMG_0001.json");
  EXPECT_EQ(sidecars[2].format, SidecarFormat::kJson);
}

TEST(SidecarReader, ASidecarNamesTheImagesItCompletes) {
  ScratchDir dir("imgsync-sidecar");
  const auto jpeg = dir.path() / "IMG_0001.JPG";
  const auto raw = dir.path() / "IMG_0001.CR3";
  // Arriving before its image, a sidecar completes nothing yet.
  EXPECT_TRUE(images_for_sidecar(dir.path() / "IMG_0001.xmp").empty());
  write_file(jpeg, camera_jpeg());
  write_file(raw, "raw");
  write_file(dir.path() / "IMG_0002.JPG", camera_jpeg());   // another capture
  write_file(dir.path() / "IMG_00010.JPG", camera_jpeg());  // a longer stem, not a match
  for (const char* name : {"IMG_0001.xmp", "IMG_0001.json", "IMG_0001.JPG.xmp"}) {
    write_file(dir.path() / name, "{}");
  }
  // The shared sidecars belong to every file of the capture, IMG.ext.xmp to its own file only.
  EXPECT_EQ(images_for_sidecar(dir.path() / "IMG_0001.xmp"),
            (std::vector<std::filesystem::path>{raw, jpeg}));
  EXPECT_EQ(images_for_sidecar(dir.path() / "IMG_0001.json"),
            (std::vector<std::filesystem::path>{raw, jpeg}));
  EXPECT_EQ(images_for_sidecar(dir.path() / "IMG_0001.JPG.xmp"),
            std::vector<std::filesystem::path>{jpeg});
  // Each answer agrees with find_sidecars, the direction the extractor uses.
  for (const auto& image : images_for_sidecar(dir.path() / "IMG_0001.json")) {
    EXPECT_EQ(find_sidecars(image).back().path, dir.path() / "IMG_0001.json");
  }
  EXPECT_TRUE(images_for_sidecar(jpeg).empty());  // not a sidecar name
  EXPECT_TRUE(is_sidecar_name("a/IMG.XMP"));
  EXPECT_TRUE(is_sidecar_name("IMG.JPG.json"));
  EXPECT_FALSE(is_sidecar_name("IMG.JPG"));
}

TEST(SidecarReader, SidecarsOverrideAndExtendTheImage) {
  ScratchDir dir("imgsync-sidecar");
  const auto image = dir.path() / "photo.jpg";
  write_file(image, camera_jpeg());

  auto plain = extract_metadata(image);
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->captured_at->source, CaptureTimeSource::kExifDateTimeOriginal);
  EXPECT_EQ(plain->make, "Canon");
  EXPECT_EQ(plain->tags, std::vector<std::string>{"camera"});

  // IMG.xmp: shared by the capture; sets the model and a keyword.
  write_file(
      dir.path() / "photo.xmp",
      testing::xmp_packet("tiff:Model=\"EOS R5\" xmp:CreateDate=\"2020-01-01T11:00:00\"",
                          "<dc:subject><rdf:Bag><rdf:li>shared</rdf:li></rdf:Bag></dc:subject>"));
  // IMG.ext.xmp: this file's own; wins over IMG.xmp.
  write_file(dir.path() / "photo.jpg.xmp", testing::xmp_packet("tiff:Model=\"EOS R3\""));
  auto with_xmp = extract_metadata(image);
  ASSERT_TRUE(with_xmp.ok()) << with_xmp.error().message;
  EXPECT_EQ(with_xmp->model, "EOS R3");
  EXPECT_EQ(with_xmp->make, "Canon");  // not in any sidecar: the image's
  EXPECT_EQ(with_xmp->captured_at->source, CaptureTimeSource::kSidecar);
  EXPECT_EQ(with_xmp->captured_at->to_rfc3339(), "2020-01-01T11:00:00");
  EXPECT_EQ(with_xmp->tags, (std::vector<std::string>{"camera", "shared"}));

  // IMG.json: the strongest; "gps": null removes the position.
  write_file(dir.path() / "photo.json",
             R"({"captured_at": "2020-01-01 12:00:00", "gps": null, "tags": ["json"]})");
  auto with_json = extract_metadata(image);
  ASSERT_TRUE(with_json.ok()) << with_json.error().message;
  EXPECT_EQ(with_json->captured_at->source, CaptureTimeSource::kSidecar);
  // Same moment as the EXIF time: the EXIF offset is kept.
  EXPECT_EQ(with_json->captured_at->to_rfc3339(), "2020-01-01T12:00:00+01:00");
  EXPECT_FALSE(with_json->gps);
  EXPECT_EQ(with_json->tags, (std::vector<std::string>{"camera", "shared", "json"}));
  EXPECT_EQ(with_json->model, "EOS R3");
}

TEST(SidecarReader, MalformedSidecarFailsTheImageWithItsName) {
  ScratchDir dir("imgsync-sidecar");
  const auto image = dir.path() / "photo.jpg";
  write_file(image, camera_jpeg());
  write_file(dir.path() / "photo.json", "{\"tags\": [");
  const auto metadata = extract_metadata(image);
  ASSERT_FALSE(metadata.ok());
  EXPECT_EQ(metadata.error().category, ErrorCategory::kInvalidInput);
  EXPECT_NE(metadata.error().message.find("photo.json"), std::string::npos);
}

}  // namespace
}  // namespace imgsync::media
