// Measures crash-to-ready latency: tell the child on PORT to exit, then time how long until
// something accepts on PORT again (the supervisor's new instance). Prints one latency in
// microseconds per line. With --bare CMD... it is its own supervisor: a plain
// fork/exec/wait loop, the floor any supervisor can reach.
//
//   measure PORT CRASHES GAP_MS [--bare CHILD]

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

using Clock = std::chrono::steady_clock;

static bool connect_once(unsigned short port, int* out_fd) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    // A connection to itself (its ephemeral port equal to `port`) is not a server.
    sockaddr_in local{};
    socklen_t length = sizeof local;
    getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length);
    if (local.sin_port != address.sin_port) {
      *out_fd = fd;
      return true;
    }
  }
  close(fd);
  return false;
}

// Reads the child's greeting: its pid. 0 when the connection was reset (a dying listener
// can still complete a handshake for a moment after its process exited).
static long read_pid(int fd) {
  char buffer[32] = {};
  std::size_t got = 0;
  while (got < sizeof buffer - 1) {
    const ssize_t n = read(fd, buffer + got, sizeof buffer - 1 - got);
    if (n <= 0) {
      return 0;
    }
    got += static_cast<std::size_t>(n);
    if (std::memchr(buffer, '\n', got) != nullptr) {
      return std::atol(buffer);
    }
  }
  return 0;
}

// Waits until an instance other than `old_pid` accepts and greets; returns its pid or 0.
static long wait_new_instance(unsigned short port, long old_pid,
                              std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    int fd = -1;
    if (connect_once(port, &fd)) {
      const long pid = read_pid(fd);
      close(fd);
      if (pid != 0 && pid != old_pid) {
        return pid;
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: measure PORT CRASHES GAP_MS [--bare CHILD]\n");
    return 2;
  }
  const auto port = static_cast<unsigned short>(std::atoi(argv[1]));
  const int crashes = std::atoi(argv[2]);
  const auto gap = std::chrono::milliseconds(std::atoi(argv[3]));
  const bool bare = argc >= 6 && std::strcmp(argv[4], "--bare") == 0;
  const std::string port_text = argv[1];
  pid_t child = -1;
  const auto spawn = [&] {
    child = fork();
    if (child == 0) {
      execl(argv[5], argv[5], port_text.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  };
  if (bare) {
    spawn();
  }
  if (wait_new_instance(port, -1, std::chrono::seconds(10)) == 0) {
    std::fprintf(stderr, "nothing accepts on port %u\n", port);
    return 1;
  }
  for (int i = 0; i < crashes; ++i) {
    std::this_thread::sleep_for(gap);
    int fd = -1;
    const long old_pid = connect_once(port, &fd) ? read_pid(fd) : 0;
    if (old_pid == 0) {
      std::fprintf(stderr, "crash %d: not accepting before the crash\n", i);
      return 1;
    }
    (void)!write(fd, "exit", 4);
    // The child exits on reading it: the connection closing marks the crash.
    char byte;
    (void)!read(fd, &byte, 1);
    const auto crashed = Clock::now();
    close(fd);
    if (bare) {
      waitpid(child, nullptr, 0);
      spawn();
    }
    if (wait_new_instance(port, old_pid, std::chrono::seconds(30)) == 0) {
      std::fprintf(stderr, "crash %d: no new instance within 30 s\n", i);
      return 1;
    }
    const auto latency =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - crashed);
    std::printf("%lld\n", static_cast<long long>(latency.count()));
    std::fflush(stdout);
  }
  if (bare) {
    kill(child, SIGTERM);
    waitpid(child, nullptr, 0);
  }
  return 0;
}
