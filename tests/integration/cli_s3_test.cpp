// The S3 commands of the imgsync binary end to end: mb, put, ls against the real server, with
// credentials and endpoint from the environment as a user would set them.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "imgsync_cli_fixture.h"
#include "s3/s3_client.h"
#include "support/test_paths.h"
#include "util/hashing.h"

namespace imgsync::testing {
namespace {

class CliS3Test : public ImgsyncCliTest {};

TEST_F(CliS3Test, PutThenLsShowsTheObjectWithItsChecksum) {
  const auto sample = source_dir() / "samples";
  std::filesystem::path image;
  for (const auto& entry : std::filesystem::directory_iterator(sample)) {
    if (entry.path().extension() == ".jpg") image = entry.path();
  }
  ASSERT_FALSE(image.empty());
  auto put = imgsync({"put", image.string(), "s3://" + bucket() + "/raw/"});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  const std::string sha = to_hex(sha256(read_file(image)));
  EXPECT_NE(put.out.find(sha), std::string::npos) << put.out;

  const std::string key = "raw/" + image.filename().string();
  auto head = client().head_object(bucket(), key);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->metadata["imgsync-sha256"], sha);
  EXPECT_EQ(head->content_type, "image/jpeg");
  EXPECT_EQ(head->size, std::filesystem::file_size(image));

  auto ls = imgsync({"ls", "--json", "s3://" + bucket() + "/raw/"});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  std::istringstream lines(ls.out);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    auto object = nlohmann::json::parse(line);
    EXPECT_EQ(object["key"], key);
    ++count;
  }
  EXPECT_EQ(count, 1);

  // --if-absent refuses to overwrite, and says so.
  auto again = imgsync({"put", "--if-absent", image.string(), "s3://" + bucket() + "/" + key});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("exists"), std::string::npos) << again.err;
}

// --log-file rotates at 10 MiB: a log that is that full already moves to NAME.1.EXT at the first
// record that would pass the limit, and the new records start a fresh file.
TEST_F(CliS3Test, LogFileRotatesAtTenMebibytes) {
  ScratchDir scratch("imgsync-log");
  const auto log = scratch.path() / "imgsync.log";
  const std::string line(99, 'x');
  std::string filler;
  while (filler.size() + line.size() + 1 <= (10u << 20) - 10) filler += line + "\n";
  write_file(log, filler);
  auto sync =
      imgsync({"sync", (source_dir() / "samples").string(), "--to", "s3://" + bucket() + "/logged",
               "--state-dir", (scratch.path() / "state").string(), "--log-file", log.string(),
               "--log-format", "json"});
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  const auto rotated = scratch.path() / "imgsync.1.log";
  ASSERT_TRUE(std::filesystem::exists(rotated)) << "no rotation to " << rotated;
  EXPECT_EQ(read_file(rotated).substr(0, filler.size()), filler);
  EXPECT_LE(std::filesystem::file_size(rotated), 10u << 20);
  const std::string fresh = read_file(log);
  ASSERT_FALSE(fresh.empty());
  EXPECT_EQ(fresh.find(line), std::string::npos) << "the new file holds new records only";
  std::istringstream records(fresh);
  for (std::string record; std::getline(records, record);) {
    EXPECT_FALSE(nlohmann::json::parse(record, nullptr, false).is_discarded()) << record;
  }
}

TEST_F(CliS3Test, MbCreatesABucketAndIsIdempotentForItsOwner) {
  auto made = imgsync({"mb", "s3://cli-made-bucket"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_TRUE(client().head_bucket("cli-made-bucket").ok());
  auto again = imgsync({"mb", "s3://cli-made-bucket"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(client().delete_bucket("cli-made-bucket").ok());
}

TEST_F(CliS3Test, UserMistakesGiveClearErrorsAndExitCodes) {
  ScratchDir dir;
  write_file(dir.path() / "a.jpg", "not really a jpeg");
  const std::string file = (dir.path() / "a.jpg").string();

  auto bad_uri = imgsync({"put", file, "bucket/key"});
  EXPECT_EQ(bad_uri.exit_code, 2);
  EXPECT_NE(bad_uri.err.find("s3://BUCKET"), std::string::npos) << bad_uri.err;

  auto missing_file =
      imgsync({"put", (dir.path() / "nope.jpg").string(), "s3://" + bucket() + "/"});
  EXPECT_EQ(missing_file.exit_code, 2);
  EXPECT_NE(missing_file.err.find("nope.jpg"), std::string::npos);

  auto wrong_secret = imgsync({"put", file, "s3://" + bucket() + "/a.jpg"},
                              {{"AWS_SECRET_ACCESS_KEY", "wrong-secret-zzz"}});
  EXPECT_EQ(wrong_secret.exit_code, 3);
  EXPECT_NE(wrong_secret.err.find(server().access_key), std::string::npos) << wrong_secret.err;
  EXPECT_EQ(wrong_secret.err.find("wrong-secret-zzz"), std::string::npos);

  auto no_bucket = imgsync({"put", file, "s3://no-such-bucket-here/a.jpg"});
  EXPECT_EQ(no_bucket.exit_code, 3);
  EXPECT_NE(no_bucket.err.find("no-such-bucket-here"), std::string::npos) << no_bucket.err;

  // Flags out of range name the flag and the limits, before any work.
  const std::string to = "s3://" + bucket() + "/p";
  const std::string state = (dir.path() / "state").string();
  auto tiny_part = imgsync(
      {"sync", dir.path().string(), "--to", to, "--state-dir", state, "--part-size", "1MiB"});
  EXPECT_EQ(tiny_part.exit_code, 2);
  EXPECT_NE(tiny_part.err.find("--part-size must be between 5MiB and 5GiB"), std::string::npos)
      << tiny_part.err;
  auto tiny_thumbnail = imgsync(
      {"sync", dir.path().string(), "--to", to, "--state-dir", state, "--thumbnail-size", "8"});
  EXPECT_EQ(tiny_thumbnail.exit_code, 2);
  EXPECT_NE(tiny_thumbnail.err.find("--thumbnail-size"), std::string::npos) << tiny_thumbnail.err;
  // A log file that cannot be written (its folder is a file) stops the command at once; a
  // missing folder is created.
  auto log_nowhere = imgsync(
      {"--log-file", (dir.path() / "a.jpg/x.log").string(), "ls", "s3://" + bucket() + "/"});
  EXPECT_EQ(log_nowhere.exit_code, 2);
  EXPECT_NE(log_nowhere.err.find("a.jpg/x.log: cannot write it"), std::string::npos)
      << log_nowhere.err;
  auto log_new_folder =
      imgsync({"--log-file", (dir.path() / "logs/x.log").string(), "ls", "s3://" + bucket() + "/"});
  EXPECT_EQ(log_new_folder.exit_code, 0) << log_new_folder.err;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "logs/x.log"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "state")) << "nothing was started";

  auto unset = unset_env();
  unset.insert(unset.end(), {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"});
  auto no_credentials = run_process(imgsync_binary(), {"ls", "s3://" + bucket() + "/"},
                                    {{"HOME", home_.path().string()}}, unset);
  EXPECT_EQ(no_credentials.exit_code, 3);
  EXPECT_NE(no_credentials.err.find("no AWS credentials"), std::string::npos) << no_credentials.err;
}

}  // namespace
}  // namespace imgsync::testing
