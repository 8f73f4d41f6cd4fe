#include "notify/event_log.h"

#include <gtest/gtest.h>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "support/test_paths.h"

namespace imgsync::notify {
namespace {

LogRecord failure() {
  LogRecord record;
  record.level = LogLevel::kError;
  record.event = "failed";
  record.file = "/data/IMG_1.jpg";
  record.key = "raw/2026/05/03/x.jpg";
  record.bytes = 1234;
  record.attempt = 3;
  record.category = ErrorCategory::kThrottled;
  record.s3_code = "SlowDown";
  record.request_id = "tx00001";
  record.message = "please slow down";
  return record;
}

TEST(EventLog, JsonLinesCarryEveryField) {
  auto line = nlohmann::json::parse(format_json(failure()));
  EXPECT_EQ(line["level"], "error");
  EXPECT_EQ(line["event"], "failed");
  EXPECT_EQ(line["file"], "/data/IMG_1.jpg");
  EXPECT_EQ(line["key"], "raw/2026/05/03/x.jpg");
  EXPECT_EQ(line["bytes"], 1234);
  EXPECT_EQ(line["attempt"], 3);
  EXPECT_EQ(line["category"], "throttled");
  EXPECT_EQ(line["s3_code"], "SlowDown");
  EXPECT_EQ(line["request_id"], "tx00001");
  EXPECT_EQ(line["message"], "please slow down");
  EXPECT_TRUE(line["time"].is_string());
}

TEST(EventLog, TextLinesReadLikeASentence) {
  const std::string text = format_text(failure());
  EXPECT_NE(text.find("error failed /data/IMG_1.jpg -> raw/2026/05/03/x.jpg (1234 B)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("[throttled SlowDown request tx00001]: please slow down"), std::string::npos)
      << text;
}

TEST(EventLog, FileGetsInfoAndAboveUnlessVeryVerbose) {
  testing::ScratchDir dir;
  const auto file = dir.path() / "logs" / "imgsync.log";
  LogSettings settings;
  settings.file = file.string();
  settings.verbosity = -1;  // quiet on stderr; the file still keeps info
  ASSERT_TRUE(configure_logging(settings).ok());
  LogRecord info;
  info.event = "uploaded";
  info.file = "/a.jpg";
  log(info);
  LogRecord debug = info;
  debug.level = LogLevel::kDebug;
  debug.event = "part_uploaded";
  log(debug);
  const std::string written = testing::read_file(file);
  EXPECT_NE(written.find("uploaded /a.jpg"), std::string::npos);
  EXPECT_EQ(written.find("part_uploaded"), std::string::npos);
  ASSERT_TRUE(configure_logging({}).ok());  // closes the file
}

TEST(EventLog, LibraryMessagesBecomeNoteRecordsAndSkipDebug) {
  testing::ScratchDir dir;
  const auto file = dir.path() / "imgsync.log";
  LogSettings settings;
  settings.json = true;
  settings.file = file.string();
  settings.verbosity = -1;
  ASSERT_TRUE(configure_logging(settings).ok());
  route_library_logs();
  spdlog::info("the unfinished upload is gone from the server; starting over");
  spdlog::debug("PutObject s3://b/k: HTTP 200");  // per-request chatter stays out
  const std::string written = testing::read_file(file);
  ASSERT_TRUE(configure_logging({}).ok());
  const auto newline = written.find('\n');
  ASSERT_NE(newline, std::string::npos) << written;
  EXPECT_EQ(written.find("HTTP 200"), std::string::npos) << written;
  auto line = nlohmann::json::parse(written.substr(0, newline));
  EXPECT_EQ(line["event"], "note");
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["message"], "the unfinished upload is gone from the server; starting over");
}

}  // namespace
}  // namespace imgsync::notify
