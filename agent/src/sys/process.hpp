#pragma once
// Starting, watching and stopping service processes. Each service runs in its own process
// group with stdout and stderr appended straight to its log file, so it keeps running and
// logging when the agent dies, and a new agent can adopt it by pid (pidfd).

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bosun::agent::sys {

struct SpawnRequest {
  std::vector<std::string> argv;  // argv[0] is looked up in env's PATH when it has no '/'
  std::vector<std::string> env;   // "NAME=value", the whole environment
  std::string cwd;
  std::string log_path;  // stdout and stderr, appended
  std::optional<std::uint64_t> nofile;
  std::string user;  // empty: the agent's user
  // The process execs only once let_run() is called (after its pid is recorded): a crash of
  // the agent in between leaves nothing running that no record knows of.
  bool held = false;
  std::string stdout_path{};  // when set, stdout is written here (truncated) instead of the log
  // Listening sockets handed over by systemd's socket-activation protocol: fds 3, 4, ... with
  // LISTEN_FDS, LISTEN_FDNAMES (parallel names) and LISTEN_PID (the child's own pid).
  std::vector<int> listen_fds{};
  std::vector<std::string> listen_names{};
};

struct SpawnedProcess {
  pid_t pid = -1;
  int pidfd = -1;                 // readable when the process exits
  std::uint64_t start_ticks = 0;  // /proc/<pid>/stat field 22, to tell a reused pid apart
  int hold_fd = -1;               // for a held process: written to by let_run()
  int exec_fd = -1;               // for a held process: end of file once it has exec'd
};

// Forks and execs. A failure to exec shows up as exit code 127 in the log ("exec failed").
// Throws std::runtime_error when nothing could be started (fork, pidfd, log file). A process
// that is not held has reached its exec (or exited) when this returns.
SpawnedProcess spawn_process(const SpawnRequest& request);
// Lets a held process exec and returns once it has (or has exited), so that what is judged
// next (its readiness, its program) is the command and not the agent's forked copy; no-op for
// one that is not held.
void let_run(SpawnedProcess& process);

// For a process this agent did not start: a pidfd if `pid` is alive and still the process
// that started at `start_ticks`.
std::optional<int> adopt_process(pid_t pid, std::uint64_t start_ticks);

struct ExitStatus {
  bool known = false;  // false for adopted processes: only their parent learns the status
  int code = -1;       // exit code, when it exited normally
  int signal = 0;      // the terminating signal, when killed
};

// Reaps a process whose pidfd became readable. `is_child`: started by this agent.
ExitStatus collect_exit(int pidfd, bool is_child);

// Sends `signal` to the process group (the service and everything it started).
void signal_group(pid_t pgid, int signal);

std::optional<std::uint64_t> process_start_ticks(pid_t pid);
// Resident memory of a process in bytes (from /proc/<pid>/statm); 0 when unknown.
std::uint64_t resident_bytes(pid_t pid);

int signal_number(const std::string& name);  // "TERM" -> SIGTERM; 0 when unknown
std::string describe_exit(const ExitStatus& status);

}  // namespace bosun::agent::sys
