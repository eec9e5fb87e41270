#include "deploy/steps/build_step.hpp"

#include <fstream>

#include "bosun/common/text.hpp"

namespace bosun::agent {

BuildOutcome run_build(const manifest::Build& build, const std::string& release_dir,
                       const std::map<std::string, std::string>& env, const std::string& log_path,
                       const std::map<std::string, std::string>& variables,
                       const std::string& pid_record) {
  BuildOutcome outcome;
  outcome.log_path = log_path;
  const auto deadline = std::chrono::steady_clock::now() + build.timeout;
  for (const manifest::Command& command : build.commands) {
    const std::vector<std::string> argv = command_argv(command, variables);
    const std::string written =
        command.uses_shell() ? "sh: " + command.shell : join(command.argv, " ");
    std::ofstream(log_path, std::ios::app) << "$ " << written << "\n";
    // Every command gets what is left of the whole build's timeout.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    outcome.last = run_step_command({argv, env, release_dir, log_path,
                                     std::max(left, std::chrono::milliseconds(1)), pid_record});
    if (!outcome.last.succeeded()) {
      outcome.failed_command = written;
      std::ofstream(log_path, std::ios::app) << "bosun: " << outcome.last.describe() << "\n";
      return outcome;
    }
  }
  outcome.succeeded = true;
  return outcome;
}

}  // namespace bosun::agent
