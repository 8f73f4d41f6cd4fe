// Runs the built imgsync binary against the test server, with credentials and endpoint in the
// environment as a user would set them, and a private HOME so no real ~/.aws leaks in.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/curl_s3.h"
#include "support/run_process.h"
#include "support/s3_server.h"
#include "support/test_paths.h"

namespace imgsync::testing {

class ImgsyncCliTest : public S3IntegrationTest {
 protected:
  std::map<std::string, std::string> imgsync_env(const std::string& endpoint = "") const {
    return {{"AWS_ACCESS_KEY_ID", server().access_key},
            {"AWS_SECRET_ACCESS_KEY", server().secret_key},
            {"AWS_ENDPOINT_URL", endpoint.empty() ? server().endpoint : endpoint},
            {"AWS_REGION", "us-east-1"},
            {"HOME", home_.path().string()}};
  }
  static std::vector<std::string> unset_env() {
    return {"AWS_PROFILE",     "AWS_SESSION_TOKEN",           "AWS_ENDPOINT_URL_S3",
            "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "XDG_STATE_HOME"};
  }
  ProcessResult imgsync(const std::vector<std::string>& arguments,
                        std::map<std::string, std::string> extra = {}) {
    auto environment = imgsync_env();
    for (auto& [name, value] : extra) environment[name] = value;
    return run_process(imgsync_binary(), arguments, environment, unset_env());
  }

  static std::vector<nlohmann::json> json_lines(const std::string& output) {
    std::vector<nlohmann::json> lines;
    std::istringstream stream(output);
    std::string line;
    while (std::getline(stream, line)) {
      if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
    }
    return lines;
  }
  // The last {"event":"summary"} line.
  static nlohmann::json summary_of(const std::string& output) {
    nlohmann::json summary;
    for (auto& line : json_lines(output)) {
      if (line.value("event", "") == "summary") summary = line;
    }
    return summary;
  }

  // The bucket as a second, independent client reads it (support/curl_s3.h).
  CurlS3 independent() const { return CurlS3(server(), bucket()); }

  ScratchDir home_{"imgsync-cli-home"};
};

}  // namespace imgsync::testing
