#include "deploy/steps/build_step.hpp"

#include <fstream>

#include "bosun/common/text.hpp"
#include "deploy/run_places.hpp"
#include "deploy/steps/builtin_steps.hpp"

namespace bosun::agent::deploy::steps {

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

namespace {

// build: the target's build commands in its directory, within the step's timeout (else the
// manifest's), into RELEASE.build.log.
class BuildStep final : public DeployStep {
 public:
  bool needs_target() const override { return true; }
  StepResult run(RunContext& run, const PlannedStep& step) const override {
    if (auto skipped = only_in_a_deploy(run)) {
      return *skipped;
    }
    const release::ReleaseApp& next = *run.state.target;
    manifest::Build build = next.manifest.build;
    if (step.definition.timeout) {
      build.timeout = *step.definition.timeout;
    }
    if (build.commands.empty()) {
      return StepResult::skipped("no build commands");
    }
    const release::AgentSettings& settings = run.services.settings;
    const std::string log = run_log(settings, next.id, "build");
    const BuildOutcome outcome =
        run_build(build, next.dir, next.env, log, next.variables, step_record(settings));
    if (!outcome.succeeded) {
      return StepResult::failed("build command `" + outcome.failed_command + "` " +
                                    outcome.last.describe() + " (log: " + log + ")",
                                log_evidence(log));
    }
    return StepResult::ok(std::to_string(build.commands.size()) + " command(s), log: " + log);
  }
};

}  // namespace

const DeployStep& build_step() {
  static const BuildStep step;
  return step;
}

}  // namespace bosun::agent::deploy::steps
