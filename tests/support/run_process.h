// Runs a program (the built imgsync, usually) with arguments and extra environment variables, and
// collects its exit code, stdout and stderr. No shell is involved.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace imgsync::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

ProcessResult run_process(const std::filesystem::path& program,
                          const std::vector<std::string>& arguments,
                          const std::map<std::string, std::string>& environment = {},
                          const std::vector<std::string>& unset = {});

// build/imgsync
std::filesystem::path imgsync_binary();

}  // namespace imgsync::testing
