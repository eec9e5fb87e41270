#include "release/fetch_process.hpp"

#include <fcntl.h>
#include <git2.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ostream>
#include <stdexcept>

#include "bosun/common/child_exec.hpp"
#include "bosun/common/duration.hpp"
#include "bosun/common/environment.hpp"
#include "bosun/common/exit_codes.hpp"
#include "bosun/common/fd_io.hpp"
#include "bosun/common/unique_fd.hpp"
#include "release/mirror_fetch.hpp"

namespace bosun::agent::release {
namespace {

constexpr std::size_t k_max_message = 64 * 1024;

// The agent's own environment: HOME (~/.ssh/known_hosts) and SSH_AUTH_SOCK reach libgit2.
std::vector<std::string> own_environment() {
  std::vector<std::string> env;
  for (const auto& [name, value] : process_environment()) {
    env.push_back(name + "=" + value);
  }
  return env;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

}  // namespace

void fetch_in_child(const FetchLimits& limits, const std::filesystem::path& mirror,
                    const std::string& repository, const FetchCredentials& credentials) {
  auto [request_read, request_write] = cloexec_pipe();
  auto [progress_read, progress_write] = cloexec_pipe();
  auto [message_read, message_write] = cloexec_pipe();
  ChildSpec spec;
  spec.argv = {limits.program, "fetch-mirror", mirror.string()};
  spec.env = own_environment();
  spec.input_fd = request_read.get();
  spec.stdout_fd = progress_write.get();
  spec.output_fd = message_write.get();
  spec.who = "bosun-agent fetch";
  const pid_t pid = fork_exec(spec);
  request_read.reset();
  progress_write.reset();
  message_write.reset();
  std::string request = repository;
  for (const std::string* field : {&credentials.ssh_key, &credentials.token, &credentials.user}) {
    request += '\0' + *field;
  }
  request += '\0';
  (void)write_all(request_write.get(), request);  // a child gone early: its exit says why
  request_write.reset();

  std::string message;
  bool progress_open = true;
  bool message_open = true;
  auto last_move = std::chrono::steady_clock::now();
  while (progress_open || message_open) {
    const auto idle = std::chrono::steady_clock::now() - last_move;
    if (idle >= limits.stall) {
      ::kill(-pid, SIGKILL);  // its group: an ssh it started goes too
      wait_for(pid);
      throw std::runtime_error("cannot fetch " + repository + ": no progress for " +
                               format_duration(limits.stall) +
                               " (the server stopped answering?); the fetch was stopped");
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(limits.stall - idle);
    pollfd watch[2] = {{progress_open ? progress_read.get() : -1, POLLIN, 0},
                       {message_open ? message_read.get() : -1, POLLIN, 0}};
    const int ready = ::poll(watch, 2, static_cast<int>(std::max<std::int64_t>(1, left.count())));
    if (ready < 0 && errno != EINTR) {
      ::kill(-pid, SIGKILL);
      wait_for(pid);
      throw std::runtime_error(std::string("cannot watch the fetch: ") + std::strerror(errno));
    }
    char buffer[4096];
    for (int i = 0; i < 2 && ready > 0; ++i) {
      if ((watch[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
        continue;
      }
      const int fd = i == 0 ? progress_read.get() : message_read.get();
      const ssize_t got = ::read(fd, buffer, sizeof buffer);
      if (got <= 0) {
        (i == 0 ? progress_open : message_open) = false;
        continue;
      }
      last_move = std::chrono::steady_clock::now();
      if (i == 1 && message.size() < k_max_message) {
        message.append(buffer, static_cast<std::size_t>(got));
      }
    }
  }
  const int status = wait_for(pid);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    return;
  }
  message = trimmed(message);
  if (message.empty()) {
    message = "cannot fetch " + repository + ": the fetch process " +
              (WIFSIGNALED(status) ? "was killed by signal " + std::to_string(WTERMSIG(status))
                                   : "exited with code " + std::to_string(WEXITSTATUS(status)));
  }
  throw std::runtime_error(message);
}

int fetch_mirror_command(const std::vector<std::string>& args, std::ostream& out,
                         std::ostream& err) {
  if (args.size() != 1 || args[0] == "--help" || args[0] == "-h") {
    (args.size() == 1 ? out : err)
        << "usage: bosun-agent fetch-mirror MIRROR\n\n"
           "Used by the agent itself: fetches a repository into the bare mirror MIRROR. The "
           "request (repository, deploy key, token, user, each ended by a NUL byte) comes on "
           "stdin; a byte on stdout marks each move of the transfer.\n";
    return args.size() == 1 ? exit_code::k_ok : exit_code::k_invalid_input;
  }
  ::umask(077);  // the mirror is the agent's own
  std::string input;
  char buffer[4096];
  for (ssize_t got = 0; (got = ::read(0, buffer, sizeof buffer)) != 0;) {
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0 || input.size() > k_max_message) {
      break;
    }
    input.append(buffer, static_cast<std::size_t>(got));
  }
  std::vector<std::string> fields;
  for (std::size_t at = 0; at < input.size();) {
    const std::size_t end = input.find('\0', at);
    if (end == std::string::npos) {
      break;
    }
    fields.push_back(input.substr(at, end - at));
    at = end + 1;
  }
  if (fields.size() != 4) {
    err << "bosun-agent fetch-mirror: expected 4 NUL-ended fields on stdin, got " << fields.size()
        << "\n";
    return exit_code::k_invalid_input;
  }
  auto last_report = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  const std::function<void()> progressed = [&] {
    // At most ten bytes a second: enough to show the transfer moves.
    const auto now = std::chrono::steady_clock::now();
    if (now - last_report >= std::chrono::milliseconds(100)) {
      last_report = now;
      (void)!::write(1, ".", 1);
    }
  };
  git_libgit2_init();
  int code = exit_code::k_ok;
  try {
    fetch_into_mirror(args[0], fields[0], {fields[1], fields[2], fields[3]}, progressed);
  } catch (const std::exception& error) {
    err << error.what() << "\n";
    code = exit_code::k_failed;
  }
  git_libgit2_shutdown();
  return code;
}

}  // namespace bosun::agent::release
