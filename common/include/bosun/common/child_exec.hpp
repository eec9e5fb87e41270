#pragma once
// Forking and exec'ing a command the one way bosun does it (services, deploy steps, checks):
// the child gets its own process group, /dev/null (or `input_fd`) on stdin, `output_fd` on stdout
// and stderr, no other inherited descriptor, default signal handling, and its program looked up in
// its own PATH. Only exec-safe calls run between fork and exec.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bosun {

struct ChildSpec {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "NAME=value": the child's whole environment
  std::string cwd;               // empty: the caller's
  int output_fd = -1;            // stdout and stderr
  std::optional<std::uint64_t> nofile;
  std::string user;           // empty: the caller's
  std::string who = "bosun";  // prefixes failure messages: "<who>: cannot run: ..."
  int input_fd = -1;          // stdin; -1: /dev/null
  // When set, the child waits for one byte on this descriptor before it execs, and exits 125
  // without running anything at end of file: the parent first records the pid, so a parent
  // killed in between never leaves an unrecorded (unadoptable) process behind.
  int hold_fd = -1;
  // When set, the write end of a pipe the child keeps open, close-on-exec, until its exec (or
  // its exit): end of file on the read end tells the parent the command itself now runs.
  int exec_report_fd = -1;
  int stdout_fd = -1;  // when set, stdout goes here and only stderr to output_fd
  // Descriptors the child gets as 3, 4, ... (systemd's socket activation), with LISTEN_PID
  // set to the child's own pid between fork and exec, as the protocol asks.
  std::vector<int> pass_fds{};
};

// Returns the child's pid (also its process group id). Throws std::runtime_error when it
// cannot fork or `user` is unknown. A child that cannot be set up exits 126 and one whose
// program cannot be executed exits 127, after writing why to `output_fd`.
pid_t fork_exec(const ChildSpec& spec);

}  // namespace bosun
