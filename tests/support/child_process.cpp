#include "child_process.hpp"

#include <algorithm>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bosun::test {

ChildProcess::ChildProcess(const ProcessOptions& options) : m_output_file(options.output_file) {
  // Everything the child needs is prepared before fork: after it, only exec-safe calls.
  std::vector<char*> argv;
  for (const std::string& arg : options.argv) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = options.env;
  if (std::none_of(env_strings.begin(), env_strings.end(),
                   [](const std::string& entry) { return entry.starts_with("PATH="); })) {
    const char* path = std::getenv("PATH");
    env_strings.push_back(std::string("PATH=") + (path != nullptr ? path : "/usr/bin:/bin"));
  }
  std::vector<char*> envp;
  for (std::string& entry : env_strings) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);
  const std::string output = options.output_file.empty() ? "/dev/null" : options.output_file;
  const int out_fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out_fd < 0) {
    throw std::runtime_error("cannot open " + output);
  }
  m_pid = ::fork();
  if (m_pid < 0) {
    ::close(out_fd);
    throw std::runtime_error("fork failed");
  }
  if (m_pid == 0) {
    ::setpgid(0, 0);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
    ::syscall(SYS_close_range, 3U, ~0U, 0U);
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) {
      ::_exit(126);
    }
    ::execvpe(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(out_fd);
}

ChildProcess::~ChildProcess() {
  if (m_pid > 0 && !m_status) {
    ::kill(m_pid, SIGKILL);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
  }
}

void ChildProcess::signal(int signal_number) const {
  if (m_pid > 0 && !m_status) {
    ::kill(m_pid, signal_number);
  }
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (m_status) {
    return m_status;
  }
  wait_until(
      [&] {
        int status = 0;
        if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
          m_status = status;
        }
        return m_status.has_value();
      },
      timeout);
  return m_status;
}

bool ChildProcess::running() {
  return !wait(std::chrono::milliseconds(0)).has_value();
}

std::string ChildProcess::output() const {
  std::ifstream in(m_output_file);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::pair<int, std::string> run_tool(const std::vector<std::string>& argv, const std::string& dir) {
  ChildProcess tool({argv, {"HOME=" + dir, "LC_ALL=C"}, dir, dir + "/tool.out"});
  const auto status = tool.wait(std::chrono::seconds(60));
  std::string output = tool.output();
  std::filesystem::remove(dir + "/tool.out");
  return {status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, output};
}

unsigned short free_port() {
  // Below the kernel's ephemeral range (32768+ by default): a client polling a port in that
  // range until a server listens can end up connected to itself, occupying the port.
  static std::atomic<unsigned> counter{0};
  const unsigned seed = static_cast<unsigned>(::getpid()) * 7919U + counter++ * 104729U;
  for (unsigned attempt = 0; attempt < 200; ++attempt) {
    const auto port = static_cast<unsigned short>(15000 + (seed + attempt * 2654435761U) % 17000);
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    if (free) {
      return port;
    }
  }
  throw std::runtime_error("no free port below 32000");
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "bosun-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  m_path = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(m_path, ignored);
}

namespace {

bool redis_answers(unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    const char ping[] = "PING\r\n";
    if (::send(fd, ping, sizeof ping - 1, MSG_NOSIGNAL) > 0) {
      char reply[16] = {};
      timeval timeout{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      ok = ::recv(fd, reply, sizeof reply - 1, 0) > 0 && std::strncmp(reply, "+PONG", 5) == 0;
    }
  }
  ::close(fd);
  return ok;
}

}  // namespace

RedisServer::RedisServer(const std::string& work_dir) : m_port(free_port()) {
  m_process.emplace(
      ProcessOptions{{"redis-server", "--port", std::to_string(m_port), "--bind", "127.0.0.1",
                      "--save", "", "--appendonly", "no", "--dir", work_dir},
                     {},
                     work_dir,
                     work_dir + "/redis.log"});
  if (!wait_until([&] { return redis_answers(m_port); }, std::chrono::seconds(10))) {
    throw std::runtime_error("redis-server did not answer on port " + std::to_string(m_port) +
                             ": " + m_process->output());
  }
}

void RedisServer::stop() {
  if (m_process) {
    m_process->signal(SIGTERM);
    m_process->wait(std::chrono::seconds(10));
    m_process.reset();
  }
}

}  // namespace bosun::test
