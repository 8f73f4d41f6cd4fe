// The `imgsync meta` executable end to end: output shapes and exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "media/synthetic_images.h"
#include "support/test_paths.h"

namespace imgsync::cli {
namespace {

using imgsync::testing::binary_dir;
using imgsync::testing::corpus_dir;
using imgsync::testing::ScratchDir;

struct CommandRun {
  int exit_code = -1;
  std::string output;
};

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

CommandRun run_imgsync(const std::string& arguments) {
  CommandRun run;
  const std::string command =
      quoted((binary_dir() / "imgsync").string()) + " " + arguments + " 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, got);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::vector<nlohmann::json> json_lines(const std::string& output) {
  std::vector<nlohmann::json> lines;
  std::istringstream stream(output);
  std::string line;
  while (std::getline(stream, line)) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST(MetaCommand, JsonLinePerFileAndExitOne) {
  IMGSYNC_REQUIRE_CORPUS();
  ScratchDir dir("imgsync-meta");
  const auto good = dir.path() / "g\xc3\xbct.jpg";
  imgsync::testing::write_file(good,
                               media::testing::build_jpeg(std::nullopt, std::nullopt, 32, 16));
  const auto heic = corpus_dir() / "images/ianare-exif-samples/heic/IMG_5195.HEIC";
  const CommandRun run =
      run_imgsync("meta --json " + quoted(good.string()) + " " +
                  quoted((dir.path() / "missing.jpg").string()) + " " + quoted(heic.string()));
  EXPECT_EQ(run.exit_code, 1);  // one file failed, the others were still reported
  const auto lines = json_lines(run.output);
  ASSERT_EQ(lines.size(), 3u) << run.output;
  EXPECT_EQ(lines[0]["path"], good.string());
  EXPECT_EQ(lines[0]["mime"], "image/jpeg");
  EXPECT_EQ(lines[0]["width"], 32);
  EXPECT_EQ(lines[0]["error"], nullptr);
  EXPECT_EQ(lines[0]["captured_at_source"], "file:mtime");
  EXPECT_TRUE(lines[1]["error"].is_string());
  EXPECT_EQ(lines[2]["captured_at"], "2021-04-11T15:47:53.054-05:00");
  EXPECT_EQ(lines[2]["offset_known"], true);
  EXPECT_EQ(lines[2]["camera"]["model"], "iPhone 11 Pro Max");
  EXPECT_EQ(lines[2]["sha256"], "d9b9ebe21c4127080414f2b86f6ecb900dc2ca902be82b39be93b61ccb622680");
}

TEST(MetaCommand, TableByDefaultAndExitZero) {
  IMGSYNC_REQUIRE_CORPUS();
  const auto heic = corpus_dir() / "images/ianare-exif-samples/heic/IMG_5195.HEIC";
  const CommandRun run = run_imgsync("meta " + quoted(heic.string()));
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.output.find("PATH"), std::string::npos);
  EXPECT_NE(run.output.find("CAMERA"), std::string::npos);
  EXPECT_NE(run.output.find("image/heic"), std::string::npos);
  EXPECT_NE(run.output.find("Apple iPhone 11 Pro Max"), std::string::npos);
  EXPECT_NE(run.output.find("39.051344,-94.288772"), std::string::npos);
}

TEST(MetaCommand, EveryJsonLineHasTheWholeShape) {
  IMGSYNC_REQUIRE_CORPUS();
  ScratchDir dir("imgsync-meta");
  const auto corrupt = dir.path() / "corrupt.jpg";
  imgsync::testing::write_file(corrupt, "not an image at all");
  const auto heic = corpus_dir() / "images/ianare-exif-samples/heic/IMG_5195.HEIC";
  const CommandRun run =
      run_imgsync("meta --json " + quoted(heic.string()) + " " + quoted(corrupt.string()));
  EXPECT_EQ(run.exit_code, 1);
  const auto lines = json_lines(run.output);
  ASSERT_EQ(lines.size(), 2u) << run.output;
  for (const auto& line : lines) {
    for (const char* key : {"path", "mime", "width", "height", "orientation", "captured_at",
                            "captured_at_source", "offset_known", "gps", "camera", "tags", "sha256",
                            "bytes", "metadata_status", "metadata_error", "error"}) {
      EXPECT_TRUE(line.contains(key)) << key << " in " << line.dump();
    }
  }
  EXPECT_TRUE(lines[0]["gps"]["lat"].is_number());
  EXPECT_TRUE(lines[0]["gps"]["lon"].is_number());
  EXPECT_TRUE(lines[0]["gps"].contains("alt"));
  EXPECT_TRUE(lines[0]["camera"].contains("lens"));
  EXPECT_TRUE(lines[0]["tags"].is_array());
  EXPECT_EQ(lines[0]["bytes"], std::filesystem::file_size(heic));
  EXPECT_EQ(lines[1]["path"], corrupt.string());
  EXPECT_TRUE(lines[1]["error"].is_string());
  EXPECT_EQ(lines[1]["sha256"], nullptr);
}

TEST(MetaCommand, TableGoesOnPastAFailureAndExitsOne) {
  IMGSYNC_REQUIRE_CORPUS();
  ScratchDir dir("imgsync-meta");
  const auto heic = corpus_dir() / "images/ianare-exif-samples/heic/IMG_5195.HEIC";
  const CommandRun run = run_imgsync("meta " + quoted((dir.path() / "missing.jpg").string()) + " " +
                                     quoted(heic.string()));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("missing.jpg"), std::string::npos);
  EXPECT_NE(run.output.find("error"), std::string::npos);
  EXPECT_NE(run.output.find("Apple iPhone 11 Pro Max"), std::string::npos) << run.output;
}

// Worker processes (the default with several files) print what reading here prints, in order.
TEST(MetaCommand, WorkerProcessesGiveTheSameLines) {
  std::string files;
  int count = 0;
  for (const auto& item :
       std::filesystem::directory_iterator(corpus_dir() / "images/exiv2-test-data")) {
    if (item.is_regular_file()) {
      files += " " + quoted(item.path().string());
      ++count;
    }
  }
  const CommandRun here = run_imgsync("meta --json --jobs 1" + files);
  const CommandRun pooled = run_imgsync("meta --json --jobs 2" + files);
  EXPECT_EQ(json_lines(here.output).size(), static_cast<std::size_t>(count));
  EXPECT_EQ(pooled.output, here.output);
  EXPECT_EQ(pooled.exit_code, here.exit_code);
  // Partial reads say so: the keys are there for every file.
  for (const auto& line : json_lines(pooled.output)) {
    EXPECT_TRUE(line.contains("metadata_status"));
    EXPECT_TRUE(line.contains("metadata_error"));
  }
}

TEST(MetaCommand, NegativeJobsIsAUsageError) {
  const CommandRun run = run_imgsync("meta --jobs -1 a.jpg b.jpg");
  EXPECT_EQ(run.exit_code, 2);
}

TEST(MetaCommand, NoFilesIsAUsageError) {
  EXPECT_EQ(run_imgsync("meta").exit_code, 2);
}

}  // namespace
}  // namespace imgsync::cli
