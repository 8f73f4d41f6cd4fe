// SIGINT/SIGTERM ask long-running commands to stop cleanly, SIGHUP to reload their configuration.
// The handlers only set flags and write a byte to a pipe, so a poll() loop wakes at once.
#pragma once

#include <atomic>

namespace imgsync::cli {

struct SignalState {
  std::atomic<bool> stop{false};
  std::atomic<bool> reload{false};
  int wake_fd = -1;  // read end of the self-pipe
};

// Installs the handlers once and returns the process-wide state.
SignalState& install_signal_handlers();

}  // namespace imgsync::cli
