#include "media/worker_spawner.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace imgsync::media {

namespace {

enum class Op : char { kSpawn = 'S', kReap = 'R' };

struct SpawnRequest {
  Op op = Op::kSpawn;
  pid_t pid = -1;  // kReap: which worker
};

struct SpawnAnswer {
  pid_t pid = -1;  // -1: fork or socketpair failed with `error`
  int error = 0;
};

// The control socket is SOCK_SEQPACKET: every send is one message, read whole or not at all.
bool send_packet(int fd, const void* data, std::size_t size, int passed_fd = -1) {
  iovec part{.iov_base = const_cast<void*>(data), .iov_len = size};
  msghdr message{};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (passed_fd >= 0) {
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(header), &passed_fd, sizeof(int));
  }
  ssize_t sent;
  do {
    sent = ::sendmsg(fd, &message, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  return sent == static_cast<ssize_t>(size);
}

// One message of exactly `size` bytes; `passed_fd` receives a descriptor sent with it (or -1).
bool receive_packet(int fd, void* data, std::size_t size, int* passed_fd = nullptr) {
  iovec part{.iov_base = data, .iov_len = size};
  msghdr message{};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ssize_t got;
  do {
    got = ::recvmsg(fd, &message, MSG_CMSG_CLOEXEC);
  } while (got < 0 && errno == EINTR);
  if (passed_fd != nullptr) *passed_fd = -1;
  for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
       header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
    int received = -1;
    std::memcpy(&received, CMSG_DATA(header), sizeof(int));
    if (passed_fd != nullptr) {
      *passed_fd = received;
    } else {
      ::close(received);
    }
  }
  return got == static_cast<ssize_t>(size);
}

void answer_spawn(int control, const std::function<void(int)>& worker_main) {
  SpawnAnswer answer;
  int sockets[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) {
    answer.error = errno;
    send_packet(control, &answer, sizeof answer);
    return;
  }
  const pid_t spawner = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(control);
    ::close(sockets[0]);
    if (!detach_from_signals(spawner)) ::_exit(0);
    worker_main(sockets[1]);
    ::_exit(0);
  }
  ::close(sockets[1]);
  if (pid < 0) {
    answer.error = errno;
    ::close(sockets[0]);
    send_packet(control, &answer, sizeof answer);
    return;
  }
  answer.pid = pid;
  send_packet(control, &answer, sizeof answer, sockets[0]);
  ::close(sockets[0]);  // the owner has its copy now
}

[[noreturn]] void spawner_main(int control, const std::function<void(int)>& worker_main,
                               pid_t owner) {
  if (!detach_from_signals(owner)) ::_exit(0);
  SpawnRequest request;
  while (receive_packet(control, &request, sizeof request)) {
    if (request.op == Op::kSpawn) {
      answer_spawn(control, worker_main);
      continue;
    }
    int status = 0;
    while (::waitpid(request.pid, &status, 0) < 0 && errno == EINTR) {
    }
    send_packet(control, &status, sizeof status);
  }
  ::_exit(0);  // the owner closed the socket (or died): no atexit handlers, no stdio flush
}

Error spawn_error(int error) {
  return make_error(ErrorCategory::kLocalIo,
                    std::string("cannot start a metadata worker: ") + std::strerror(error));
}

}  // namespace

bool detach_from_signals(pid_t expected_parent) {
  for (int number : {SIGINT, SIGTERM, SIGHUP}) ::signal(number, SIG_IGN);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  return ::getppid() == expected_parent;  // else it died before prctl: nobody would kill us
}

Result<std::unique_ptr<WorkerSpawner>> WorkerSpawner::start(
    std::function<void(int fd)> worker_main) {
  int sockets[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets) != 0) {
    return spawn_error(errno);
  }
  const pid_t owner = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(sockets[0]);
    ::close(sockets[1]);
    return spawn_error(error);
  }
  if (pid == 0) {
    ::close(sockets[0]);
    spawner_main(sockets[1], worker_main, owner);
  }
  ::close(sockets[1]);
  return std::unique_ptr<WorkerSpawner>(new WorkerSpawner(pid, sockets[0]));
}

WorkerSpawner::~WorkerSpawner() {
  ::close(control_);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

Result<SpawnedWorker> WorkerSpawner::spawn() {
  std::lock_guard lock(mutex_);
  const SpawnRequest request{.op = Op::kSpawn};
  SpawnAnswer answer;
  int fd = -1;
  if (!send_packet(control_, &request, sizeof request) ||
      !receive_packet(control_, &answer, sizeof answer, &fd)) {
    return make_error(ErrorCategory::kLocalIo,
                      "cannot start a metadata worker: the process that starts them is gone");
  }
  if (answer.pid < 0 || fd < 0) {
    if (fd >= 0) ::close(fd);
    return spawn_error(answer.error != 0 ? answer.error : EIO);
  }
  return SpawnedWorker{.pid = answer.pid, .fd = fd};
}

int WorkerSpawner::reap(pid_t pid) {
  std::lock_guard lock(mutex_);
  const SpawnRequest request{.op = Op::kReap, .pid = pid};
  int status = 0;
  if (!send_packet(control_, &request, sizeof request) ||
      !receive_packet(control_, &status, sizeof status)) {
    return 0;  // the spawner is gone, and its workers with it
  }
  return status;
}

}  // namespace imgsync::media
