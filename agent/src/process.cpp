#include "process.hpp"

#include "bosun/common/program_path.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bosun::agent {
namespace {

int open_pidfd(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

// Writes a message to fd 2 using only async-signal-safe calls (between fork and exec).
void child_fail(const char* what) {
  const char prefix[] = "bosun-agent: cannot run: ";
  (void)!::write(2, prefix, sizeof prefix - 1);
  (void)!::write(2, what, std::strlen(what));
  const char* reason = std::strerror(errno);
  (void)!::write(2, ": ", 2);
  (void)!::write(2, reason, std::strlen(reason));
  (void)!::write(2, "\n", 1);
  ::_exit(127);
}

}  // namespace

SpawnedProcess spawn_process(const SpawnRequest& request) {
  if (request.argv.empty()) {
    throw std::runtime_error("empty command");
  }
  // Everything the child touches is prepared before fork: after it, only exec-safe calls.
  std::vector<std::string> argv_storage = request.argv;
  // Looked up in the service's own PATH (execvpe would use the agent's).
  std::string path_list = "/usr/local/bin:/usr/bin:/bin";
  for (const std::string& entry : request.env) {
    if (entry.starts_with("PATH=")) {
      path_list = entry.substr(5);
    }
  }
  argv_storage[0] = find_program(argv_storage[0], path_list);
  std::vector<char*> argv;
  for (std::string& arg : argv_storage) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  std::vector<std::string> env_storage = request.env;
  std::vector<char*> envp;
  for (std::string& entry : env_storage) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);
  uid_t uid = 0;
  gid_t gid = 0;
  if (!request.user.empty()) {
    const passwd* account = ::getpwnam(request.user.c_str());
    if (account == nullptr) {
      throw std::runtime_error("no such user " + request.user);
    }
    uid = account->pw_uid;
    gid = account->pw_gid;
  }
  const int log_fd =
      ::open(request.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (log_fd < 0) {
    throw std::runtime_error("cannot open " + request.log_path + ": " + std::strerror(errno));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int signal = 1; signal < NSIG; ++signal) {
      ::signal(signal, SIG_DFL);
    }
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(log_fd, 1) < 0 || ::dup2(log_fd, 2) < 0) {
      child_fail("redirecting output");
    }
    // Nothing of the agent's may leak into the service: an inherited listening socket would
    // keep the agent's API "alive" after the agent died.
    ::syscall(SYS_close_range, 3U, ~0U, 0U);
    if (!request.cwd.empty() && ::chdir(request.cwd.c_str()) != 0) {
      child_fail("changing to the working directory");
    }
    if (request.nofile) {
      const rlimit limit{static_cast<rlim_t>(*request.nofile),
                         static_cast<rlim_t>(*request.nofile)};
      if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        child_fail("setting the open-files limit");
      }
    }
    if (!request.user.empty()) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
        child_fail("switching user");
      }
    }
    ::execve(argv[0], argv.data(), envp.data());
    child_fail(argv[0]);
  }
  ::close(log_fd);
  // The parent sets the group too, so that signal_group works even before the child runs.
  ::setpgid(pid, pid);
  SpawnedProcess spawned;
  spawned.pid = pid;
  spawned.pidfd = open_pidfd(pid);
  if (spawned.pidfd < 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    throw std::runtime_error(std::string("pidfd_open: ") + std::strerror(errno));
  }
  spawned.start_ticks = process_start_ticks(pid).value_or(0);
  return spawned;
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

}  // namespace bosun::agent
