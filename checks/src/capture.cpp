#include "capture.hpp"

#include "bosun/common/program_path.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
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
  // Prepared before fork: after it, only exec-safe calls.
  std::vector<std::string> words = argv;
  const auto path = env.find("PATH");
  words[0] = find_program(words[0], path == env.end() ? "/usr/bin:/bin" : path->second);
  std::vector<char*> arg_pointers;
  for (std::string& word : words) {
    arg_pointers.push_back(word.data());
  }
  arg_pointers.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (const auto& [name, value] : env) {
    env_strings.push_back(name + "=" + value);
  }
  std::vector<char*> env_pointers;
  for (std::string& entry : env_strings) {
    env_pointers.push_back(entry.data());
  }
  env_pointers.push_back(nullptr);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return captured;
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return captured;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(pipe_fds[1], 1);
    ::dup2(pipe_fds[1], 2);
    ::syscall(SYS_close_range, 3U, ~0U, 0U);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      ::_exit(126);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(arg_pointers[0], arg_pointers.data(), env_pointers.data());
    ::_exit(127);
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
