#include "media/xmp_reader.h"

#include <gtest/gtest.h>

#include "media/exiv2_runtime.h"
#include "synthetic_images.h"

namespace imgsync::media {
namespace {

MetadataLayer layer_of(const std::string& packet) {
  initialize_exiv2();
  Exiv2::XmpData xmp;
  EXPECT_EQ(Exiv2::XmpParser::decode(xmp, packet), 0);
  MetadataLayer layer = read_xmp_layer(xmp);
  resolve_capture_time(layer);
  return layer;
}

TEST(MediaXmpReader, Coordinates) {
  EXPECT_NEAR(*parse_xmp_coordinate("39,3.0807N", true), 39.051345, 1e-6);
  EXPECT_NEAR(*parse_xmp_coordinate("94,17,19.58W", false), -94.288772, 1e-6);
  EXPECT_NEAR(*parse_xmp_coordinate("-33.5", true), -33.5, 1e-12);
  EXPECT_FALSE(parse_xmp_coordinate("91,0N", true));
  EXPECT_FALSE(parse_xmp_coordinate("10,0E", true));  // a longitude hemisphere on a latitude
  EXPECT_FALSE(parse_xmp_coordinate("", true));
  EXPECT_FALSE(parse_xmp_coordinate("N", true));
  EXPECT_EQ(*parse_xmp_number("244927/940"), 244927.0 / 940);
  EXPECT_EQ(*parse_xmp_number("+12.30"), 12.3);
  EXPECT_FALSE(parse_xmp_number("1/0"));
  EXPECT_FALSE(parse_xmp_number("abc"));
}

TEST(MediaXmpReader, DateTimeOriginalBeforeCreateDate) {
  const MetadataLayer layer =
      layer_of(testing::xmp_packet("exif:DateTimeOriginal=\"2019-06-01T10:11:12.5+02:00\" "
                                   "xmp:CreateDate=\"2019-06-02T00:00:00\""));
  ASSERT_TRUE(layer.captured_at);
  EXPECT_EQ(layer.captured_at->to_rfc3339(), "2019-06-01T10:11:12.500+02:00");
  EXPECT_EQ(layer.captured_at->source, CaptureTimeSource::kXmpDateTimeOriginal);

  const MetadataLayer create_only =
      layer_of(testing::xmp_packet("xmp:CreateDate=\"2019-06-02T08:00:00\""));
  ASSERT_TRUE(create_only.captured_at);
  EXPECT_EQ(create_only.captured_at->source, CaptureTimeSource::kXmpCreateDate);
}

TEST(MediaXmpReader, DroneFieldsGpsCameraAndKeywords) {
  const MetadataLayer layer = layer_of(testing::xmp_packet(
      "tiff:Make=\"DJI\" tiff:Model=\"FC3411\" "
      "exif:GPSLatitude=\"47,22.2N\" exif:GPSLongitude=\"8,32.4E\" "
      "exif:GPSAltitude=\"4081/10\" exif:GPSAltitudeRef=\"1\" "
      "drone-dji:RelativeAltitude=\"+49.80\" drone-dji:GimbalPitchDegree=\"-90.00\" "
      "drone-dji:GimbalYawDegree=\"+12.30\" drone-dji:GimbalRollDegree=\"+0.00\" "
      "drone-dji:FlightPitchDegree=\"+1.20\" drone-dji:FlightYawDegree=\"-170.5\" "
      "drone-dji:FlightRollDegree=\"-0.40\"",
      "   <dc:subject><rdf:Bag><rdf:li>roof</rdf:li><rdf:li>survey</rdf:li>"
      "<rdf:li>roof</rdf:li></rdf:Bag></dc:subject>\n"));
  EXPECT_EQ(layer.make, "DJI");
  EXPECT_EQ(layer.model, "FC3411");
  ASSERT_TRUE(layer.gps);
  EXPECT_NEAR(layer.gps->latitude, 47.37, 1e-9);
  EXPECT_NEAR(layer.gps->longitude, 8.54, 1e-9);
  EXPECT_EQ(layer.gps->altitude, -408.1);
  EXPECT_EQ(layer.drone.relative_altitude, 49.8);
  EXPECT_EQ(layer.drone.gimbal_pitch, -90.0);
  EXPECT_EQ(layer.drone.gimbal_yaw, 12.3);
  EXPECT_EQ(layer.drone.gimbal_roll, 0.0);
  EXPECT_EQ(layer.drone.flight_pitch, 1.2);
  EXPECT_EQ(layer.drone.flight_yaw, -170.5);
  EXPECT_EQ(layer.drone.flight_roll, -0.4);
  EXPECT_EQ(layer.tags, (std::vector<std::string>{"roof", "survey"}));
}

TEST(MediaXmpReader, DjiPositionIsAFallbackOnly) {
  const MetadataLayer layer = layer_of(
      testing::xmp_packet("drone-dji:GpsLatitude=\"22.5431\" drone-dji:GpsLongtitude=\"113.9578\" "
                          "drone-dji:AbsoluteAltitude=\"+98.5\""));
  ASSERT_TRUE(layer.gps);
  EXPECT_EQ(layer.gps->latitude, 22.5431);
  EXPECT_EQ(layer.gps->longitude, 113.9578);
  EXPECT_EQ(layer.gps->altitude, 98.5);
}

}  // namespace
}  // namespace imgsync::media
