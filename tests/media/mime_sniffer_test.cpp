#include "media/mime_sniffer.h"

#include <gtest/gtest.h>

#include <string>

namespace imgsync::media {
namespace {

using namespace std::string_literals;

std::string ftyp(const std::string& major, const std::string& compatible) {
  const std::string body = major + "\0\0\0\0"s + compatible;
  std::string box = "\0\0\0"s + static_cast<char>(8 + body.size()) + "ftyp" + body;
  return box + "\0\0\0\x08mdat"s;
}

TEST(MimeSniffer, KnowsCommonFormatsByMagic) {
  EXPECT_EQ(sniff_mime("\xff\xd8\xff\xe1\x00\x10" "Exif"s), "image/jpeg");
  EXPECT_EQ(sniff_mime("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR"s), "image/png");
  EXPECT_EQ(sniff_mime("GIF89a\x01\0\x01\0"s), "image/gif");
  EXPECT_EQ(sniff_mime("RIFF\x10\0\0\0WEBPVP8 "s), "image/webp");
  EXPECT_EQ(sniff_mime("II*\0\x08\0\0\0"s), "image/tiff");
  EXPECT_EQ(sniff_mime("MM\0*\0\0\0\x08"s), "image/tiff");
  EXPECT_EQ(sniff_mime("II*\0\x10\0\0\0CR\x02\0"s), "image/x-canon-cr2");
  EXPECT_EQ(sniff_mime("IIU\0\x08\0\0\0"s), "image/x-panasonic-rw2");
  EXPECT_EQ(sniff_mime("IIRO\x08\0\0\0"s), "image/x-olympus-orf");
  EXPECT_EQ(sniff_mime("II\x1a\0\0\0HEAPCCDR"s), "image/x-canon-crw");
  EXPECT_EQ(sniff_mime("FUJIFILMCCD-RAW 0201"s), "image/x-fujifilm-raf");
  EXPECT_EQ(sniff_mime("8BPS\0\x01"s), "application/vnd.adobe.photoshop");
  EXPECT_EQ(sniff_mime("\0\0\0\x0cjP  \r\n\x87\n\0\0\0\x14\x66typjp2 "s), "image/jp2");
  EXPECT_EQ(sniff_mime("\0\0\0\x0cJXL \r\n\x87\n"s), "image/jxl");
  EXPECT_EQ(sniff_mime("\xff\x0a\xfa"s), "image/jxl");
  EXPECT_EQ(sniff_mime("II\xbc\x01\x20\0\0\0"s), "image/jxr");
  EXPECT_EQ(sniff_mime("<?xpacket begin="s), "application/rdf+xml");
  EXPECT_EQ(sniff_mime("BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0"s), "image/bmp");
}

TEST(MimeSniffer, IsoBaseMediaByBrand) {
  EXPECT_EQ(sniff_mime(ftyp("heic", "mif1heic")), "image/heic");
  EXPECT_EQ(sniff_mime(ftyp("mif1", "mif1heic")), "image/heif");
  EXPECT_EQ(sniff_mime(ftyp("heix", "mif1heix")), "image/heif");
  EXPECT_EQ(sniff_mime(ftyp("avif", "avifmif1miaf")), "image/avif");
  EXPECT_EQ(sniff_mime(ftyp("mif1", "avifmiaf")), "image/avif");
  EXPECT_EQ(sniff_mime(ftyp("crx ", "crx isom")), "image/x-canon-cr3");
  EXPECT_EQ(sniff_mime(ftyp("isom", "isomiso2mp41")), "video/mp4");
}

TEST(MimeSniffer, UnknownAndTruncatedInputGiveNothing) {
  EXPECT_EQ(sniff_mime(""), "");
  EXPECT_EQ(sniff_mime("hello world"), "");
  EXPECT_EQ(sniff_mime("\xff\xd8"s), "");
  EXPECT_EQ(sniff_mime("BM not a bitmap"), "");
  EXPECT_EQ(sniff_mime("\0\0\0\x20\x66typ"s), "");  // ftyp without a brand
}

}  // namespace
}  // namespace imgsync::media
