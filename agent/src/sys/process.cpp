#include "sys/process.hpp"

#include "bosun/common/child_exec.hpp"
#include "bosun/common/fd_io.hpp"
#include "bosun/common/unique_fd.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace bosun::agent::sys {
namespace {

int open_pidfd(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

// The environment with the socket-activation variables of this start (none inherited from
// elsewhere: a stale LISTEN_FDS would make a server look for descriptors it does not have).
std::vector<std::string> activation_env(const SpawnRequest& request) {
  std::vector<std::string> env;
  for (const std::string& entry : request.env) {
    if (!entry.starts_with("LISTEN_FDS=") && !entry.starts_with("LISTEN_FDNAMES=") &&
        !entry.starts_with("LISTEN_PID=")) {
      env.push_back(entry);
    }
  }
  if (!request.listen_fds.empty()) {
    env.push_back("LISTEN_FDS=" + std::to_string(request.listen_fds.size()));
    std::string names;
    for (const std::string& name : request.listen_names) {
      names += (names.empty() ? "" : ":") + name;
    }
    env.push_back("LISTEN_FDNAMES=" + names);
  }
  return env;
}

// Waits for end of file on the exec report pipe: the child exec'd or exited. Bounded, since
// nothing else in the agent moves meanwhile; a child that takes longer is judged as it is.
void wait_for_exec(int exec_fd) {
  constexpr int kBoundMs = 5000;
  pollfd watch{exec_fd, POLLIN, 0};
  char byte = 0;
  for (int waited = 0; waited < kBoundMs; waited += 100) {
    const int ready = ::poll(&watch, 1, 100);
    if (ready > 0 && ::read(exec_fd, &byte, 1) <= 0) {
      return;  // end of file (or the pipe broke): the child is past its exec
    }
    if (ready < 0 && errno != EINTR) {
      return;
    }
  }
}

}  // namespace

SpawnedProcess spawn_process(const SpawnRequest& request) {
  const UniqueFd log(
      ::open(request.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!log.valid()) {
    throw std::runtime_error("cannot open " + request.log_path + ": " + std::strerror(errno));
  }
  // A held child waits on the pipe's read end; the agent keeps the write end until let_run.
  UniqueFd hold_read;
  UniqueFd hold_write;
  if (request.held) {
    std::tie(hold_read, hold_write) = cloexec_pipe();
  }
  // The child keeps the write end until its exec: the agent then knows the command runs.
  auto [exec_read, exec_write] = cloexec_pipe();
  UniqueFd stdout_file;
  if (!request.stdout_path.empty()) {
    stdout_file.reset(
        ::open(request.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!stdout_file.valid()) {
      throw std::runtime_error("cannot open " + request.stdout_path + ": " + std::strerror(errno));
    }
  }
  ChildSpec spec{request.argv, activation_env(request), request.cwd,
                 log.get(),    request.nofile,          request.user,
                 "bosun-agent"};
  spec.pass_fds = request.listen_fds;
  spec.stdout_fd = stdout_file.get();
  spec.hold_fd = hold_read.get();
  spec.exec_report_fd = exec_write.get();
  const pid_t pid = fork_exec(spec);
  exec_write.reset();  // the child's copy alone keeps the pipe open now
  SpawnedProcess spawned;
  spawned.pid = pid;
  spawned.pidfd = open_pidfd(pid);
  if (spawned.pidfd < 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    throw std::runtime_error(std::string("pidfd_open: ") + std::strerror(errno));
  }
  spawned.start_ticks = process_start_ticks(pid).value_or(0);
  if (!request.held) {
    wait_for_exec(exec_read.get());
    return spawned;
  }
  spawned.hold_fd = hold_write.release();
  spawned.exec_fd = exec_read.release();
  return spawned;
}

void let_run(SpawnedProcess& process) {
  if (process.hold_fd < 0) {
    return;
  }
  const UniqueFd hold(std::exchange(process.hold_fd, -1));
  const UniqueFd exec_report(std::exchange(process.exec_fd, -1));
  const char go = 1;
  while (::write(hold.get(), &go, 1) < 0 && errno == EINTR) {
  }
  if (exec_report.valid()) {
    wait_for_exec(exec_report.get());
  }
}

std::optional<int> adopt_process(pid_t pid, std::uint64_t start_ticks) {
  if (pid <= 0) {
    return std::nullopt;
  }
  const int pidfd = open_pidfd(pid);
  if (pidfd < 0) {
    return std::nullopt;
  }
  // Checked after opening the pidfd: if the pid was reused, the start time differs.
  const auto ticks = process_start_ticks(pid);
  if (!ticks || *ticks != start_ticks) {
    ::close(pidfd);
    return std::nullopt;
  }
  return pidfd;
}

ExitStatus collect_exit(int pidfd, bool is_child) {
  ExitStatus status;
  if (is_child) {
    siginfo_t info{};
    if (::waitid(static_cast<idtype_t>(3 /* P_PIDFD */), static_cast<id_t>(pidfd), &info,
                 WEXITED) == 0) {
      status.known = true;
      if (info.si_code == CLD_EXITED) {
        status.code = info.si_status;
      } else {
        status.signal = info.si_status;
      }
    }
  }
  ::close(pidfd);
  return status;
}

void signal_group(pid_t pgid, int signal) {
  if (pgid > 1) {
    ::kill(-pgid, signal);
  }
}

std::optional<std::uint64_t> process_start_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(in, text);
  // The command name (field 2) may contain spaces and parentheses: skip past the last ')'.
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos) {
    return std::nullopt;
  }
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  for (int index = 3; index <= 22 && fields >> field; ++index) {
    if (index == 22) {
      return std::stoull(field);
    }
  }
  return std::nullopt;
}

std::uint64_t resident_bytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/statm");
  std::uint64_t size = 0;
  std::uint64_t resident = 0;
  in >> size >> resident;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

int signal_number(const std::string& name) {
  static const std::pair<const char*, int> names[] = {
      {"TERM", SIGTERM}, {"INT", SIGINT},     {"QUIT", SIGQUIT},
      {"HUP", SIGHUP},   {"KILL", SIGKILL},   {"USR1", SIGUSR1},
      {"USR2", SIGUSR2}, {"WINCH", SIGWINCH}, {"STOP", SIGSTOP}};
  for (const auto& [text, number] : names) {
    if (name == text) {
      return number;
    }
  }
  return 0;
}

std::string describe_exit(const ExitStatus& status) {
  if (!status.known) {
    return "exited (status unknown: adopted process)";
  }
  if (status.signal != 0) {
    const char* name = ::sigabbrev_np(status.signal);
    return std::string("killed by SIG") + (name != nullptr ? name : std::to_string(status.signal));
  }
  return "exited with code " + std::to_string(status.code);
}

}  // namespace bosun::agent::sys
