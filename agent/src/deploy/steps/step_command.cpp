#include "deploy/steps/step_command.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bosun/common/duration.hpp"
#include "bosun/manifest/command_expansion.hpp"
#include "state/adoption_record.hpp"
#include "sys/process.hpp"

namespace bosun::agent::deploy::steps {

std::string StepCommandResult::describe() const {
  if (!started) {
    return "could not start: " + error;
  }
  if (timed_out) {
    return "timed out after " + format_duration(took);
  }
  return sys::describe_exit({true, exit_code, signal});
}

StepCommandResult run_step_command(const StepCommand& command) {
  StepCommandResult result;
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::string> env;
  for (const auto& [name, value] : command.env) {
    env.push_back(name + "=" + value);
  }
  sys::SpawnedProcess process;
  try {
    process = sys::spawn_process({command.argv, env, command.cwd, command.log_path, std::nullopt,
                                  command.user, !command.pid_record.empty(), command.stdout_path});
  } catch (const std::exception& error) {
    result.error = error.what();
    return result;
  }
  result.started = true;
  if (!command.pid_record.empty()) {
    state::save_record(command.pid_record, {process.pid, process.start_ticks, 0, 0});
    sys::let_run(process);  // recorded: a new agent can stop what is left of it
  }
  // Wait on the pidfd: no polling, and the timeout is exact.
  const auto deadline = started + command.timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd exited{process.pidfd, POLLIN, 0};
    const int ready = ::poll(&exited, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
    if (ready == 1) {
      break;
    }
    if (ready == 0 && std::chrono::steady_clock::now() >= deadline) {
      result.timed_out = true;
      sys::signal_group(process.pid, SIGTERM);
      pollfd grace{process.pidfd, POLLIN, 0};
      if (::poll(&grace, 1, 2000) != 1) {
        sys::signal_group(process.pid, SIGKILL);
      }
      break;
    }
  }
  // Whatever the command left running in its group goes with it.
  sys::signal_group(process.pid, SIGKILL);
  const sys::ExitStatus status = sys::collect_exit(process.pidfd, true);
  if (!command.pid_record.empty()) {
    state::remove_record(command.pid_record);
  }
  result.exit_code = status.code;
  result.signal = status.signal;
  result.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return result;
}

std::vector<std::string> command_argv(const manifest::Command& command,
                                      const std::map<std::string, std::string>& variables) {
  auto argv = manifest::expand_command(command, variables);
  if (!argv) {
    throw std::runtime_error("cannot run the command: " + argv.error());
  }
  return std::move(*argv);
}

int kill_leftover_step(const std::string& pid_record) {
  const auto record = state::load_record(pid_record);
  if (!record) {
    return -1;
  }
  state::remove_record(pid_record);
  const auto pidfd = sys::adopt_process(record->pid, record->start_ticks);
  if (!pidfd) {
    return -1;
  }
  sys::signal_group(record->pid, SIGKILL);
  pollfd gone{*pidfd, POLLIN, 0};
  ::poll(&gone, 1, 5000);
  ::close(*pidfd);
  return record->pid;
}

}  // namespace bosun::agent::deploy::steps
