#include "transport.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "bosun/common/child_exec.hpp"
#include "bosun/common/environment.hpp"

namespace bosun::controller {

RemoteResult Transport::capture(const std::vector<std::string>& argv,
                                std::chrono::milliseconds timeout) {
  std::string output;
  RemoteResult result = run(
      argv,
      [&](std::string_view line) {
        output.append(line);
        output.push_back('\n');
      },
      timeout);
  result.output = std::move(output);
  return result;
}

std::string shell_quote(std::string_view word) {
  if (!word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                              "0123456789_-./=:@%+,") == std::string_view::npos) {
    return std::string(word);
  }
  std::string quoted = "'";
  for (const char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string shell_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& word : argv) {
    line += (line.empty() ? "" : " ") + shell_quote(word);
  }
  return line;
}

RemoteResult LocalTransport::run(const std::vector<std::string>& argv, const LineSink& on_line,
                                 std::chrono::milliseconds timeout) {
  RemoteResult result;
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  std::vector<std::string> env;
  for (const auto& [name, value] : process_environment()) {
    env.push_back(name + "=" + value);
  }
  pid_t pid = -1;
  try {
    pid = fork_exec({argv, env, "", pipe_fds[1], std::nullopt, "", "bosun"});
  } catch (const std::exception& error) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    result.error = error.what();
    return result;
  }
  ::close(pipe_fds[1]);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string pending;
  char buffer[8192];
  bool timed_out = false;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd readable{pipe_fds[0], POLLIN, 0};
    const int ready = ::poll(&readable, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready <= 0) {
      continue;
    }
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n <= 0) {
      break;  // every writer closed it: the command (and what it started) is done with it
    }
    pending.append(buffer, static_cast<std::size_t>(n));
    for (std::size_t end = pending.find('\n'); end != std::string::npos; end = pending.find('\n')) {
      on_line(std::string_view(pending).substr(0, end));
      pending.erase(0, end + 1);
    }
  }
  ::close(pipe_fds[0]);
  if (!pending.empty()) {
    on_line(pending);
  }
  if (timed_out) {
    ::kill(-pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    result.error = "timed out";
    return result;
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

void LocalTransport::upload(const std::string& content, const std::string& remote_path, int mode) {
  const std::filesystem::path target(remote_path);
  std::filesystem::create_directories(target.parent_path());
  const std::string staging = remote_path + ".bosun-upload";
  const int fd =
      ::open(staging.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) {
    throw std::runtime_error("cannot write " + remote_path + ": " + std::strerror(errno));
  }
  ::fchmod(fd, static_cast<mode_t>(mode));  // the umask must not widen or narrow it
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("cannot write " + remote_path + ": " + std::strerror(errno));
    }
    written += static_cast<std::size_t>(n);
  }
  ::close(fd);
  std::filesystem::rename(staging, target);
}

}  // namespace bosun::controller
