#pragma once
// The process side effects of supervision behind one narrow interface: start, adopt, signal
// and reap. `system_processes()` is the real one (fork/exec, pidfds, process groups); tests
// use a recording fake (tests/support/fake_processes.hpp) so that no process is started.

#include "sys/process.hpp"

namespace bosun::agent::sys {

class ProcessControl {
 public:
  virtual ~ProcessControl() = default;
  // Throws std::runtime_error when nothing could be started.
  virtual SpawnedProcess spawn(const SpawnRequest& request) = 0;
  virtual void let_run(SpawnedProcess& process) = 0;
  // A pidfd for a process this agent did not start, if it is still the recorded one.
  virtual std::optional<int> adopt(pid_t pid, std::uint64_t start_ticks) = 0;
  // Reaps the process whose pidfd became readable and closes the pidfd.
  virtual ExitStatus collect_exit(int pidfd, bool is_child) = 0;
  virtual void signal_group(pid_t pgid, int signal) = 0;
};

ProcessControl& system_processes();

}  // namespace bosun::agent::sys
