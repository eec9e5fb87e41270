#include "bosun/common/child_exec.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "bosun/common/program_path.hpp"

namespace bosun {
namespace {

// Writes "<prefix><what>: <errno text>" to fd 2 and exits: async-signal-safe calls only.
[[noreturn]] void child_fail(const std::string& prefix, const char* what, int code) {
  const char* reason = std::strerror(errno);
  (void)!::write(2, prefix.data(), prefix.size());
  (void)!::write(2, what, std::strlen(what));
  (void)!::write(2, ": ", 2);
  (void)!::write(2, reason, std::strlen(reason));
  (void)!::write(2, "\n", 1);
  ::_exit(code);
}

// In the child: every inherited fd closed but 0-2 and, for a held start, the hold pipe on fd 3,
// which is then waited on (the parent writes one byte once the pid is recorded).
void close_inherited_fds(int hold_fd) {
  if (hold_fd < 0) {
    ::syscall(SYS_close_range, 3U, ~0U, 0U);
    return;
  }
  // Fd 3 keeps the hold; everything else goes, the pipe's write end included, so the
  // parent's death reads as end of file.
  if ((hold_fd != 3 && ::dup2(hold_fd, 3) < 0) || ::syscall(SYS_close_range, 4U, ~0U, 0U) != 0) {
    ::_exit(125);
  }
  char go = 0;
  ssize_t got = -1;
  do {
    got = ::read(3, &go, 1);
  } while (got < 0 && errno == EINTR);
  if (got != 1) {
    ::_exit(125);
  }
  ::close(3);
}

// In the child, after fork: its own process group, default signals, the redirections, the
// working directory, limits and user, then exec. Only async-signal-safe calls.
[[noreturn]] void run_child(const ChildSpec& spec, char* const* argv, char* const* envp, uid_t uid,
                            gid_t gid, const std::string& prefix) {
  ::setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int signal = 1; signal < NSIG; ++signal) {
    ::signal(signal, SIG_DFL);
  }
  const int input_fd = spec.input_fd >= 0 ? spec.input_fd : ::open("/dev/null", O_RDONLY);
  const int stdout_fd = spec.stdout_fd >= 0 ? spec.stdout_fd : spec.output_fd;
  if (input_fd < 0 || ::dup2(input_fd, 0) < 0 || ::dup2(stdout_fd, 1) < 0 ||
      ::dup2(spec.output_fd, 2) < 0) {
    child_fail(prefix, "redirecting output", 126);
  }
  // Nothing of the parent's may leak into the child: an inherited listening socket would,
  // for instance, keep the agent's API "alive" after the agent died.
  close_inherited_fds(spec.hold_fd);
  if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) {
    child_fail(prefix, "changing to the working directory", 126);
  }
  if (spec.nofile) {
    const rlimit limit{static_cast<rlim_t>(*spec.nofile), static_cast<rlim_t>(*spec.nofile)};
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      child_fail(prefix, "setting the open-files limit", 126);
    }
  }
  if (!spec.user.empty() &&
      (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)) {
    child_fail(prefix, "switching user", 126);
  }
  ::execve(argv[0], argv, envp);
  child_fail(prefix, argv[0], 127);
}

}  // namespace

pid_t fork_exec(const ChildSpec& spec) {
  if (spec.argv.empty()) {
    throw std::runtime_error("empty command");
  }
  std::string path_list = "/usr/local/bin:/usr/bin:/bin";
  for (const std::string& entry : spec.env) {
    if (entry.starts_with("PATH=")) {
      path_list = entry.substr(5);
    }
  }
  std::vector<std::string> argv_storage = spec.argv;
  argv_storage[0] = find_program(argv_storage[0], path_list);  // execvpe would use our PATH
  std::vector<char*> argv;
  for (std::string& arg : argv_storage) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  std::vector<std::string> env_storage = spec.env;
  std::vector<char*> envp;
  for (std::string& entry : env_storage) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);
  uid_t uid = 0;
  gid_t gid = 0;
  if (!spec.user.empty()) {
    const passwd* account = ::getpwnam(spec.user.c_str());
    if (account == nullptr) {
      throw std::runtime_error("no such user " + spec.user);
    }
    uid = account->pw_uid;
    gid = account->pw_gid;
  }
  const std::string prefix = spec.who + ": cannot run: ";
  const pid_t pid = ::fork();
  if (pid < 0) {
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    run_child(spec, argv.data(), envp.data(), uid, gid, prefix);
  }
  // The parent sets the group too, so that signalling the group works before the child runs.
  ::setpgid(pid, pid);
  return pid;
}

}  // namespace bosun
