// `imgsync init` and `imgsync share` against the real server.
#include <gtest/gtest.h>

#include "imgsync_cli_fixture.h"
#include "util/hashing.h"

namespace imgsync::testing {
namespace {

class BucketTest : public ImgsyncCliTest {
 protected:
  // Anonymous GET with curl: the HTTP status, and the body in `body`.
  int anonymous_get(const std::string& url, std::string* body = nullptr) {
    auto run = run_process("/usr/bin/curl", {"-s", "-o", "-", "-w", "\n%{http_code}", url});
    const auto newline = run.out.rfind('\n');
    if (body != nullptr) *body = run.out.substr(0, newline);
    return std::stoi(run.out.substr(newline + 1));
  }
  ScratchDir scratch_{"imgsync-bucket"};
};

TEST_F(BucketTest, InitConfiguresTheBucketIdempotentlyAndOpensOnlyThePublicPrefix) {
  const std::string fresh = "imgsync-init-test";
  auto dry = imgsync(
      {"init", "--to", "s3://" + fresh + "/field", "--public-prefix", "gallery/", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("would set"), std::string::npos);
  EXPECT_FALSE(client().head_bucket(fresh).ok());  // a dry run changes nothing

  for (int run = 0; run < 2; ++run) {  // the second run finds everything in place
    auto init = imgsync({"init", "--to", "s3://" + fresh + "/field", "--public-prefix", "gallery/",
                         "--abort-incomplete-days", "3", "--json"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
    int changed = 0;
    for (const auto& step : json_lines(init.out)) changed += step.at("changed").get<bool>();
    if (run == 0) {
      EXPECT_GE(changed, 4) << init.out;  // bucket, lifecycle, CORS, README, policy
    } else {
      EXPECT_EQ(changed, 0) << "a re-run reports every step unchanged:\n" << init.out;
    }
  }
  auto human = imgsync({"init", "--to", "s3://" + fresh + "/field", "--public-prefix", "gallery/",
                        "--abort-incomplete-days", "3"});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_NE(human.out.find("unchanged  lifecycle"), std::string::npos) << human.out;
  EXPECT_EQ(("\n" + human.out).find("\nset "), std::string::npos) << human.out;
  ASSERT_TRUE(client().head_bucket(fresh).ok());
  auto rules = client().get_bucket_lifecycle(fresh);
  ASSERT_TRUE(rules.ok());
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ((*rules)[0].abort_incomplete_multipart_days, 3);
  EXPECT_EQ((*rules)[0].prefix, "field/");
  auto cors = client().get_bucket_cors(fresh);
  ASSERT_TRUE(cors.ok());
  ASSERT_EQ(cors->size(), 1u);
  EXPECT_TRUE(client().head_object(fresh, "field/README.txt").ok());

  // Uploads still work after init (on Ceph RGW init must not leave a block that forbids them).
  ScratchDir state;
  auto sync = imgsync({"sync", (source_dir() / "samples").string(), "--to",
                       "s3://" + fresh + "/field", "--state-dir", state.path().string()});
  ASSERT_EQ(sync.exit_code, 0) << sync.err;

  ASSERT_TRUE(
      client()
          .put_object(
              {fresh, "field/gallery/index.html", s3::Body::from_string("<p>hi</p>"), {}, false})
          .ok());
  std::string body;
  EXPECT_EQ(anonymous_get(server().endpoint + "/" + fresh + "/field/gallery/index.html", &body),
            200);
  EXPECT_EQ(body, "<p>hi</p>");
  EXPECT_EQ(anonymous_get(server().endpoint + "/" + fresh + "/field/README.txt"), 403);
  auto listed = client().list_all_objects(fresh, "field/enhanced/");
  ASSERT_TRUE(listed.ok());
  ASSERT_FALSE(listed->empty());
  EXPECT_EQ(anonymous_get(server().endpoint + "/" + fresh + "/" + (*listed)[0].key), 403);
}

TEST_F(BucketTest, InitVersioningTurnsVersioningOnAndIsRepeatable) {
  EXPECT_EQ(*client().get_bucket_versioning(bucket()), "");  // a fresh bucket: never versioned
  for (int run = 0; run < 2; ++run) {
    auto init = imgsync({"init", "--to", "s3://" + bucket() + "/v", "--versioning", "--json"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
  }
  auto versioning = client().get_bucket_versioning(bucket());
  ASSERT_TRUE(versioning.ok()) << versioning.error().describe();
  EXPECT_EQ(*versioning, "Enabled");
  CurlS3 curl = independent();
  auto document = curl.get_configuration("versioning");
  ASSERT_TRUE(document.has_value()) << curl.error();
  EXPECT_NE(document->find("<Status>Enabled</Status>"), std::string::npos) << *document;
  // Without the flag, init leaves versioning as it is.
  auto again = imgsync({"init", "--to", "s3://" + bucket() + "/v", "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(*client().get_bucket_versioning(bucket()), "Enabled");
}

TEST_F(BucketTest, ShareGivesWorkingLinksForAnItemAndRefusesBadLifetimes) {
  ScratchDir state;
  const std::string destination = "s3://" + bucket() + "/shared";
  auto sync = imgsync({"sync", (source_dir() / "samples").string(), "--to", destination,
                       "--state-dir", state.path().string(), "--project", "p"});
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  auto share = imgsync({"share", "p_dscn0010_20081022", "--to", destination, "--state-dir",
                        state.path().string(), "--expires", "2h", "--json"});
  ASSERT_EQ(share.exit_code, 0) << share.err;
  auto links = json_lines(share.out);
  ASSERT_EQ(links.size(), 2u);  // the image and its Item
  std::string body;
  EXPECT_EQ(anonymous_get(links[0]["url"], &body), 200);
  EXPECT_EQ(to_hex(sha256(body)), to_hex(sha256(read_file(source_dir() / "samples/DSCN0010.jpg"))));
  EXPECT_EQ(links[0]["expires_in_seconds"], 7200);
  EXPECT_EQ(anonymous_get(links[1]["url"], &body), 200);
  EXPECT_EQ(nlohmann::json::parse(body)["id"], "p_dscn0010_20081022");

  auto too_long = imgsync({"share", "p_dscn0010_20081022", "--to", destination, "--state-dir",
                           state.path().string(), "--expires", "8d"});
  EXPECT_EQ(too_long.exit_code, 2);
  EXPECT_NE(too_long.err.find("7 days"), std::string::npos) << too_long.err;
  auto unknown =
      imgsync({"share", "no_such_item", "--to", destination, "--state-dir", state.path().string()});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no_such_item"), std::string::npos);
  // A key works directly too, relative to the destination's prefix like every key imgsync
  // prints; a full s3:// URI needs no destination at all.
  const std::string item_key = links[1]["key"];
  ASSERT_TRUE(item_key.starts_with("shared/metadata/")) << item_key;
  auto by_key = imgsync(
      {"share", item_key.substr(7), "--to", destination, "--state-dir", state.path().string()});
  ASSERT_EQ(by_key.exit_code, 0) << by_key.err;
  EXPECT_EQ(anonymous_get(by_key.out.substr(0, by_key.out.find('\n'))), 200);
  auto by_uri = imgsync({"share", "s3://" + bucket() + "/" + item_key});
  ASSERT_EQ(by_uri.exit_code, 0) << by_uri.err;
  EXPECT_EQ(anonymous_get(by_uri.out.substr(0, by_uri.out.find('\n'))), 200);
  // A link to nothing is an error, not a URL.
  auto missing = imgsync({"share", "metadata/missing.json", "--to", destination, "--state-dir",
                          state.path().string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.out, "");
  EXPECT_NE(missing.err.find("s3://" + bucket() + "/shared/metadata/missing.json does not exist"),
            std::string::npos)
      << missing.err;
}

}  // namespace
}  // namespace imgsync::testing
