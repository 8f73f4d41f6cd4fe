#include "cli/signals.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <mutex>

namespace imgsync::cli {
namespace {

SignalState state;
int write_fd = -1;

void on_signal(int number) {
  const int saved = errno;
  if (number == SIGHUP) {
    state.reload.store(true);
  } else {
    if (state.stop.load()) _exit(130);  // a second Ctrl-C: stop now, the journal is consistent
    state.stop.store(true);
  }
  if (write_fd >= 0) {
    const char byte = 1;
    [[maybe_unused]] ssize_t ignored = write(write_fd, &byte, 1);
  }
  errno = saved;
}

}  // namespace

SignalState& install_signal_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0) {
      state.wake_fd = fds[0];
      write_fd = fds[1];
    }
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (int number : {SIGINT, SIGTERM, SIGHUP}) sigaction(number, &action, nullptr);
  });
  return state;
}

}  // namespace imgsync::cli
