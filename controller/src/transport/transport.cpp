#include "transport/transport.hpp"
#include "bosun/common/fd_io.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "bosun/common/child_exec.hpp"
#include "bosun/common/environment.hpp"
#include "bosun/common/text.hpp"

namespace bosun::controller::transport {

std::optional<std::string> Transport::download(const std::string& remote_path) {
  const std::string quoted = shell_quote(remote_path);
  const RemoteResult read =
      capture({"sh", "-c", "if [ -e " + quoted + " ]; then cat " + quoted + "; else exit 3; fi"},
              std::chrono::milliseconds(30'000));
  if (read.exit_code == 3) {
    return std::nullopt;
  }
  if (read.exit_code != 0) {
    throw std::runtime_error("cannot read " + remote_path + " on " + describe() + ": " +
                             (read.error.empty() ? read.output : read.error));
  }
  return read.output;
}

RemoteResult Transport::capture(const std::vector<std::string>& argv,
                                std::chrono::milliseconds timeout) {
  std::string output;
  RemoteResult result = run(argv, append_to(output), timeout);
  result.output = std::move(output);
  return result;
}

LineReader every_line(const LineSink& on_line) {
  return [&on_line](std::string_view line) {
    on_line(line);
    return false;
  };
}

LineSink append_to(std::string& output) {
  return [&output](std::string_view line) {
    output.append(line);
    output.push_back('\n');
  };
}

RemoteResult Transport::run(const std::vector<std::string>& argv, const LineSink& on_line,
                            std::chrono::milliseconds timeout) {
  return start(argv)->finish(on_line, timeout);
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

namespace {

// A local command with a socket on its stdin (a socket, not a pipe: writing to a command
// that has gone must fail with EPIPE rather than raise SIGPIPE in the controller).
class LocalCommand final : public RemoteCommand {
 public:
  explicit LocalCommand(const std::vector<std::string>& argv) {
    int input[2];
    int output[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, input) != 0) {
      m_error = std::string("socketpair: ") + std::strerror(errno);
      return;
    }
    if (::pipe2(output, O_CLOEXEC) != 0) {
      m_error = std::string("pipe: ") + std::strerror(errno);
      ::close(input[0]);
      ::close(input[1]);
      return;
    }
    std::vector<std::string> env;
    for (const auto& [name, value] : process_environment()) {
      env.push_back(name + "=" + value);
    }
    try {
      ChildSpec spec{argv, env, "", output[1], std::nullopt, "", "bosun"};
      spec.input_fd = input[1];
      m_pid = fork_exec(spec);
    } catch (const std::exception& error) {
      m_error = error.what();
    }
    ::close(input[1]);
    ::close(output[1]);
    if (m_pid < 0) {
      ::close(input[0]);
      ::close(output[0]);
      return;
    }
    m_input = input[0];
    m_output = output[0];
  }

  ~LocalCommand() override {
    if (m_pid > 0) {
      close_input();
      if (!wait_for_exit(std::chrono::milliseconds(2000))) {
        ::kill(-m_pid, SIGKILL);
        wait_for_exit(std::chrono::milliseconds(2000));
      }
    }
    if (m_output >= 0) {
      ::close(m_output);
    }
  }

  bool send(std::string_view text) override {
    while (!text.empty()) {
      if (m_input < 0) {
        m_error = "the command's input is closed";
        return false;
      }
      const ssize_t n = ::send(m_input, text.data(), text.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        m_error = std::string("writing to the command: ") + std::strerror(errno);
        return false;
      }
      text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  Read read(const LineReader& on_line, std::chrono::milliseconds timeout) override {
    if (m_output < 0) {
      return m_pid < 0 ? Read::lost : Read::ended;
    }
    if (take_lines(m_pending, on_line)) {
      return Read::stopped;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[8192];
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return Read::timed_out;
      }
      pollfd readable{m_output, POLLIN, 0};
      const int ready = ::poll(&readable, 1, static_cast<int>(left.count()));
      if (ready <= 0) {
        continue;  // EINTR or the deadline: checked above
      }
      const ssize_t n = ::read(m_output, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        // Every writer closed it: the command (and what it started) is done with it.
        ::close(m_output);
        m_output = -1;
        if (!m_pending.empty()) {
          m_pending.push_back('\n');
          take_lines(m_pending, on_line);
        }
        return Read::ended;
      }
      m_pending.append(buffer, static_cast<std::size_t>(n));
      if (take_lines(m_pending, on_line)) {
        return Read::stopped;
      }
    }
  }

  RemoteResult finish(const LineSink& on_line, std::chrono::milliseconds timeout) override {
    RemoteResult result;
    if (m_pid < 0) {
      result.error = m_error;
      return result;
    }
    close_input();
    const Read how = read(every_line(on_line), timeout);
    if (how == Read::timed_out) {
      ::kill(-m_pid, SIGKILL);
    }
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
    }
    m_pid = -1;
    if (how == Read::timed_out) {
      result.error = "timed out";
      return result;
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
  }

  std::string error() const override { return m_error; }

 private:
  void close_input() {
    if (m_input >= 0) {
      ::close(m_input);
      m_input = -1;
    }
  }

  bool wait_for_exit(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      const pid_t done = ::waitpid(m_pid, &status, WNOHANG);
      if (done == m_pid || (done < 0 && errno != EINTR)) {
        m_pid = -1;
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  pid_t m_pid = -1;
  int m_input = -1;
  int m_output = -1;
  std::string m_pending;
  std::string m_error;
};

}  // namespace

std::unique_ptr<RemoteCommand> LocalTransport::start(const std::vector<std::string>& argv) {
  return std::make_unique<LocalCommand>(argv);
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
  if (!write_all(fd, content)) {
    const int error = errno;
    ::close(fd);
    throw std::runtime_error("cannot write " + remote_path + ": " + std::strerror(error));
  }
  ::close(fd);
  std::filesystem::rename(staging, target);
}

}  // namespace bosun::controller::transport
