#include "capture.hpp"

#include "bosun/common/child_exec.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bosun::checks::detail {

Captured capture_command(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env, const std::string& cwd,
                         std::chrono::milliseconds timeout) {
  Captured captured;
  if (argv.empty()) {
    return captured;
  }
  std::vector<std::string> env_list;
  for (const auto& [name, value] : env) {
    env_list.push_back(name + "=" + value);
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return captured;
  }
  pid_t pid = -1;
  try {
    pid = fork_exec({argv, env_list, cwd, pipe_fds[1], std::nullopt, "", "bosun"});
  } catch (const std::exception&) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return captured;
  }
  captured.started = true;
  ::close(pipe_fds[1]);
  char buffer[4096];
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      captured.timed_out = true;
      break;
    }
    pollfd waiting{pipe_fds[0], POLLIN, 0};
    if (::poll(&waiting, 1, static_cast<int>(left.count())) != 1) {
      continue;
    }
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n <= 0) {
      break;
    }
    if (captured.output.size() < 64 * 1024) {
      captured.output.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(pipe_fds[0]);
  if (captured.timed_out) {
    ::kill(-pid, SIGKILL);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  captured.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return captured;
}

}  // namespace bosun::checks::detail
