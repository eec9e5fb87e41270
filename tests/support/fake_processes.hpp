#pragma once
// Test support: a ProcessControl that starts nothing. Every call is recorded as one line
// ("spawn web", "signal 1001 TERM", "reap 1001", "adopt 42"), so a test reads the actions its
// events caused; pids count up from 1001 and pidfds from 5001. The test decides how a process
// ends (exit code or signal), whether a spawn fails and which pids can be adopted.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent_namespaces.hpp"
#include "sys/process_control.hpp"

namespace bosun::test {

class FakeProcesses final : public agent::ProcessControl {
 public:
  agent::SpawnedProcess spawn(const agent::SpawnRequest& request) override;
  void let_run(agent::SpawnedProcess& process) override;
  std::optional<int> adopt(pid_t pid, std::uint64_t start_ticks) override;
  agent::ExitStatus collect_exit(int pidfd, bool is_child) override;
  void signal_group(pid_t pgid, int signal) override;

  // What the next spawn throws (once).
  void fail_next_spawn(std::string why) { m_spawn_failure = std::move(why); }
  // A process a previous agent left: adopt() finds it alive.
  void leave_running(pid_t pid, std::uint64_t start_ticks);
  // How the process will have ended when it is reaped (default: exit code 0).
  void will_exit(pid_t pid, int code);
  void will_be_killed(pid_t pid, int signal);

  int pidfd_of(pid_t pid) const;
  // The pid of the latest process started with this argv[0]; -1 when none.
  pid_t last_pid(const std::string& program) const;
  int spawn_count(const std::string& program) const;
  const agent::SpawnRequest& request_of(pid_t pid) const { return m_requests.at(pid); }
  // The actions recorded since the last call, and forgets them.
  std::vector<std::string> take_actions();
  const std::vector<std::string>& actions() const { return m_actions; }

 private:
  std::vector<std::string> m_actions;
  std::optional<std::string> m_spawn_failure;
  std::map<pid_t, std::uint64_t> m_adoptable;
  std::map<pid_t, agent::ExitStatus> m_exits;
  std::map<pid_t, int> m_pidfds;
  std::map<pid_t, agent::SpawnRequest> m_requests;
  pid_t m_next_pid = 1001;
};

}  // namespace bosun::test
