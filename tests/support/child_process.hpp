#pragma once
// Test support: start a real program with its own environment and working directory, its
// output going to a file, and stop it by pid. Tests only ever signal processes they started.

#include <sys/types.h>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bosun::test {

struct ProcessOptions {
  std::vector<std::string> argv;
  std::vector<std::string>
      env;                  // "NAME=value"; the child gets exactly these (plus PATH, unless given)
  std::string cwd;          // empty: the test's working directory
  std::string output_file;  // stdout and stderr; empty: /dev/null
};

class ChildProcess {
 public:
  explicit ChildProcess(const ProcessOptions& options);
  ~ChildProcess();  // SIGKILLs the process if it still runs, and reaps it
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return m_pid; }
  void signal(int signal_number) const;
  // The raw wait status once it exited within `timeout`; nullopt if still running.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();
  // The output file's content so far.
  std::string output() const;

 private:
  pid_t m_pid = -1;
  std::optional<int> m_status;
  std::string m_output_file;
};

// Runs a tool to its end (at most a minute) in `dir`, with HOME=dir and LC_ALL=C: its exit
// code (-1 when killed or timed out) and what it printed.
std::pair<int, std::string> run_tool(const std::vector<std::string>& argv, const std::string& dir);

// A TCP port on 127.0.0.1 that was free a moment ago.
unsigned short free_port();

// Polls `condition` every 10 ms until it holds or `timeout` passes.
template <typename Condition>
bool wait_until(Condition condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) {
      return true;
    }
    struct timespec pause {
      0, 10'000'000
    };
    nanosleep(&pause, nullptr);
  }
  return condition();
}

// A fresh directory under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

// A real redis-server on a free loopback port, without persistence.
class RedisServer {
 public:
  explicit RedisServer(const std::string& work_dir);
  unsigned short port() const { return m_port; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(m_port); }
  void stop();  // SIGTERM and wait

 private:
  unsigned short m_port;
  std::optional<ChildProcess> m_process;
};

}  // namespace bosun::test
