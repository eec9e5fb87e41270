#include "bosun/common/child_exec.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

// In the child: the passed descriptors put on 3, 4, ..., then the hold pipe, then the exec
// report pipe (close-on-exec again); every other inherited fd closed. For a held start, the
// hold pipe is then waited on (the parent writes one byte once the pid is recorded).
void arrange_fds(const std::vector<int>& pass_fds, int hold_fd, int report_fd) {
  const int passed = static_cast<int>(pass_fds.size());
  // Moved above every source first, so that no dup2 onto 3.. clobbers one not yet moved.
  int high = 3 + passed + 1;
  for (const int fd : pass_fds) {
    high = fd >= high ? fd + 1 : high;
  }
  high = hold_fd >= high ? hold_fd + 1 : high;
  high = report_fd >= high ? report_fd + 1 : high;
  for (int i = 0; i < passed; ++i) {
    if (::dup2(pass_fds[static_cast<std::size_t>(i)], high + i) < 0) {
      ::_exit(126);
    }
  }
  const int held = hold_fd >= 0 ? 1 : 0;
  if (held != 0 && ::dup2(hold_fd, high + passed) < 0) {
    ::_exit(125);
  }
  if (report_fd >= 0 && ::dup2(report_fd, high + passed + held) < 0) {
    ::_exit(125);
  }
  const int slots = passed + held + (report_fd >= 0 ? 1 : 0);
  for (int i = 0; i < slots; ++i) {
    if (::dup2(high + i, 3 + i) < 0) {  // dup2 clears close-on-exec on the new descriptor
      ::_exit(126);
    }
  }
  if (report_fd >= 0 && ::fcntl(3 + passed + held, F_SETFD, FD_CLOEXEC) != 0) {
    ::_exit(125);
  }
  // Everything else goes, the hold pipe's write end included, so the parent's death reads
  // as end of file.
  if (::syscall(SYS_close_range, static_cast<unsigned>(3 + slots), ~0U, 0U) != 0) {
    ::_exit(125);
  }
  if (held == 0) {
    return;
  }
  const int hold = 3 + passed;
  char go = 0;
  ssize_t got = -1;
  do {
    got = ::read(hold, &go, 1);
  } while (got < 0 && errno == EINTR);
  if (got != 1) {
    ::_exit(125);
  }
  ::close(hold);
}

// The digits of the child's own pid into the reserved LISTEN_PID entry (no allocation).
void fill_listen_pid(char* entry) {
  if (entry == nullptr) {
    return;
  }
  char digits[16];
  int count = 0;
  for (unsigned long pid = static_cast<unsigned long>(::getpid()); pid > 0 || count == 0;
       pid /= 10) {
    digits[count++] = static_cast<char>('0' + pid % 10);
  }
  char* out = entry + std::strlen("LISTEN_PID=");
  while (count > 0) {
    *out++ = digits[--count];
  }
  *out = '\0';
}

// In the child, after fork: its own process group, default signals, the redirections, the
// working directory, limits and user, then exec. Only async-signal-safe calls.
[[noreturn]] void run_child(const ChildSpec& spec, char* const* argv, char* const* envp,
                            char* listen_pid, bool switch_user, uid_t uid, gid_t gid,
                            const std::string& prefix) {
  ::setpgid(0, 0);
  ::umask(022);  // the agent's own is 077; a service or a build gets what systemd would give
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
  arrange_fds(spec.pass_fds, spec.hold_fd, spec.exec_report_fd);
  fill_listen_pid(listen_pid);
  if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) {
    child_fail(prefix, "changing to the working directory", 126);
  }
  if (spec.nofile) {
    const rlimit limit{static_cast<rlim_t>(*spec.nofile), static_cast<rlim_t>(*spec.nofile)};
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      child_fail(prefix, "setting the open-files limit", 126);
    }
  }
  if (switch_user && (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)) {
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
  // A switch to another account is done as systemd's User= does it, HOME, USER and LOGNAME
  // included; naming the caller's own account switches nothing (and needs no root).
  uid_t uid = 0;
  gid_t gid = 0;
  bool switch_user = false;
  std::vector<std::string> account_env;
  if (!spec.user.empty()) {
    const passwd* account = ::getpwnam(spec.user.c_str());
    if (account == nullptr) {
      throw std::runtime_error("no such user " + spec.user);
    }
    uid = account->pw_uid;
    gid = account->pw_gid;
    switch_user = uid != ::geteuid() || gid != ::getegid();
    if (switch_user) {
      account_env = {std::string("HOME=") + account->pw_dir, "USER=" + spec.user,
                     "LOGNAME=" + spec.user};
    }
  }
  std::vector<std::string> env_storage;
  const auto replaced = [&](const std::string& entry) {
    return (!spec.pass_fds.empty() && entry.starts_with("LISTEN_PID=")) ||
           (!account_env.empty() && (entry.starts_with("HOME=") || entry.starts_with("USER=") ||
                                     entry.starts_with("LOGNAME=")));
  };
  for (const std::string& entry : spec.env) {
    if (!replaced(entry)) {
      env_storage.push_back(entry);
    }
  }
  env_storage.insert(env_storage.end(), account_env.begin(), account_env.end());
  char* listen_pid = nullptr;
  if (!spec.pass_fds.empty()) {
    env_storage.push_back("LISTEN_PID=" + std::string(20, '0'));  // room for any pid
  }
  std::vector<char*> envp;
  for (std::string& entry : env_storage) {
    envp.push_back(entry.data());
  }
  if (!spec.pass_fds.empty()) {
    listen_pid = envp.back();
  }
  envp.push_back(nullptr);
  const std::string prefix = spec.who + ": cannot run: ";
  const pid_t pid = ::fork();
  if (pid < 0) {
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    run_child(spec, argv.data(), envp.data(), listen_pid, switch_user, uid, gid, prefix);
  }
  // The parent sets the group too, so that signalling the group works before the child runs.
  ::setpgid(pid, pid);
  return pid;
}

}  // namespace bosun
