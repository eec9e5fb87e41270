#include "fake_processes.hpp"

#include <signal.h>
#include <string.h>

#include <stdexcept>
#include "agent_namespaces.hpp"

namespace bosun::test {

namespace {

std::string signal_name(int signal) {
  const char* name = ::sigabbrev_np(signal);
  return name != nullptr ? name : std::to_string(signal);
}

}  // namespace

agent::SpawnedProcess FakeProcesses::spawn(const agent::SpawnRequest& request) {
  const std::string program = request.argv.empty() ? "" : request.argv.front();
  if (m_spawn_failure) {
    const std::string why = *m_spawn_failure;
    m_spawn_failure.reset();
    m_actions.push_back("spawn-failed " + program);
    throw std::runtime_error(why);
  }
  const pid_t pid = m_next_pid++;
  m_pidfds[pid] = 4000 + pid;
  m_requests[pid] = request;
  m_actions.push_back("spawn " + program);
  return {pid, m_pidfds[pid], static_cast<std::uint64_t>(pid) * 10, -1};
}

void FakeProcesses::let_run(agent::SpawnedProcess& process) {
  m_actions.push_back("let-run " + std::to_string(process.pid));
}

std::optional<int> FakeProcesses::adopt(pid_t pid, std::uint64_t start_ticks) {
  const auto it = m_adoptable.find(pid);
  if (it == m_adoptable.end() || it->second != start_ticks) {
    m_actions.push_back("adopt-gone " + std::to_string(pid));
    return std::nullopt;
  }
  m_pidfds[pid] = 4000 + pid;
  m_actions.push_back("adopt " + std::to_string(pid));
  return m_pidfds[pid];
}

agent::ExitStatus FakeProcesses::collect_exit(int pidfd, bool is_child) {
  for (const auto& [pid, fd] : m_pidfds) {
    if (fd != pidfd) {
      continue;
    }
    m_actions.push_back("reap " + std::to_string(pid));
    if (!is_child) {
      return {};  // only the parent learns how a process ended
    }
    const auto exit = m_exits.find(pid);
    return exit != m_exits.end() ? exit->second : agent::ExitStatus{true, 0, 0};
  }
  throw std::logic_error("collect_exit on a pidfd the fake never handed out: " +
                         std::to_string(pidfd));
}

void FakeProcesses::signal_group(pid_t pgid, int signal) {
  m_actions.push_back("signal " + std::to_string(pgid) + " " + signal_name(signal));
}

void FakeProcesses::leave_running(pid_t pid, std::uint64_t start_ticks) {
  m_adoptable[pid] = start_ticks;
}

void FakeProcesses::will_exit(pid_t pid, int code) {
  m_exits[pid] = {true, code, 0};
}

void FakeProcesses::will_be_killed(pid_t pid, int signal) {
  m_exits[pid] = {true, -1, signal};
}

int FakeProcesses::pidfd_of(pid_t pid) const {
  const auto it = m_pidfds.find(pid);
  return it == m_pidfds.end() ? -1 : it->second;
}

pid_t FakeProcesses::last_pid(const std::string& program) const {
  pid_t last = -1;
  for (const auto& [pid, request] : m_requests) {
    if (!request.argv.empty() && request.argv.front() == program) {
      last = pid;
    }
  }
  return last;
}

int FakeProcesses::spawn_count(const std::string& program) const {
  int count = 0;
  for (const auto& [pid, request] : m_requests) {
    count += !request.argv.empty() && request.argv.front() == program ? 1 : 0;
  }
  return count;
}

std::vector<std::string> FakeProcesses::take_actions() {
  std::vector<std::string> taken;
  taken.swap(m_actions);
  return taken;
}

}  // namespace bosun::test
