#include "sys/process_control.hpp"

#include <chrono>

#include "sys/time_source.hpp"

namespace bosun::agent::sys {
namespace {

class SystemProcesses final : public ProcessControl {
 public:
  SpawnedProcess spawn(const SpawnRequest& request) override { return spawn_process(request); }
  void let_run(SpawnedProcess& process) override { agent::sys::let_run(process); }
  std::optional<int> adopt(pid_t pid, std::uint64_t start_ticks) override {
    return adopt_process(pid, start_ticks);
  }
  ExitStatus collect_exit(int pidfd, bool is_child) override {
    return agent::sys::collect_exit(pidfd, is_child);
  }
  void signal_group(pid_t pgid, int signal) override { agent::sys::signal_group(pgid, signal); }
};

class SystemTime final : public TimeSource {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  std::int64_t unix_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

ProcessControl& system_processes() {
  static SystemProcesses processes;
  return processes;
}

const TimeSource& system_time() {
  static const SystemTime time;
  return time;
}

}  // namespace bosun::agent::sys
