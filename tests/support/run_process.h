// Runs a program (the built imgsync, usually) with arguments and extra environment variables, and
// collects its exit code, stdout and stderr. No shell is involved.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
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

// build/imgsync, or $IMGSYNC_TEST_IMGSYNC (scripts/test: a sanitized build of it).
std::filesystem::path imgsync_binary();

}  // namespace imgsync::testing

namespace imgsync::testing {

// A running child whose stdout is read line by line (to act on what it says it did) and which can
// be killed hard. stderr goes to a file in the child's scratch space, not the test's output.
class ChildProcess {
 public:
  ChildProcess(const std::filesystem::path& program, const std::vector<std::string>& arguments,
               const std::map<std::string, std::string>& environment,
               const std::vector<std::string>& unset = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The next line of stdout without its newline; nullopt at end of output, or when `timeout`
  // (if given) passes first.
  std::optional<std::string> read_line(
      std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  void kill_hard();  // SIGKILL
  void send_signal(int number);
  int wait();  // exit code, -1 when killed by a signal
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  bool waited_ = false;
  int exit_code_ = -1;
};

}  // namespace imgsync::testing
