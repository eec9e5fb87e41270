// A playbook `run:` step: the hook's command in the target release (or what is live before a
// checkout), with the app's environment, BOSUN_* facts about the run and the hook's own env,
// into RELEASE.hooks.log, within its timeout.
#include <filesystem>
#include <fstream>

#include "bosun/common/duration.hpp"
#include "bosun/manifest/variables.hpp"
#include "deploy/run_places.hpp"
#include "deploy/steps/builtin_steps.hpp"
#include "deploy/steps/step_command.hpp"

namespace bosun::agent::deploy::steps {

namespace {

constexpr std::chrono::milliseconds k_default_hook_timeout{600'000};

std::map<std::string, std::string> run_facts(const RunContext& run) {
  const release::ReleaseApp& from = run.state.from;
  const release::ReleaseApp& to = run.app();
  return {
      {"BOSUN_RUN", run.kind == RunKind::deploy ? "deploy" : "rollback"},
      {"BOSUN_WHO", run.intent.who},
      {"BOSUN_HOST", run.services.settings.host},
      {"BOSUN_STAGE", run.services.settings.stage},
      {"BOSUN_PREVIOUS_RELEASE", from.id},
      {"BOSUN_PREVIOUS_COMMIT", from.commit},
      {"BOSUN_RELEASE", to.id},
      {"BOSUN_COMMIT", to.commit},
  };
}

class HookStep final : public DeployStep {
 public:
  StepResult run(RunContext& run, const PlannedStep& step) const override {
    const playbook::Step& hook = step.definition;
    const release::ReleaseApp& app = run.app();
    std::map<std::string, std::string> env = app.env;
    for (const auto& [name, value] : run_facts(run)) {
      env[name] = value;
    }
    for (const manifest::EnvVar& var : hook.env) {
      auto expanded = manifest::expand_variables(var.value, app.variables);
      env[var.name] = expanded ? *expanded : var.value;
    }
    const release::AgentSettings& settings = run.services.settings;
    const std::string log = run_log(settings, app.id.empty() ? "hooks" : app.id, "hooks");
    std::ofstream(log, std::ios::app) << "$ " << step.name << "\n";
    StepCommand command{
        command_argv(hook.command, app.variables),
        env,
        hook.cwd.empty() ? app.dir : (std::filesystem::path(app.dir) / hook.cwd).string(),
        log,
        hook.timeout ? std::chrono::milliseconds(*hook.timeout) : k_default_hook_timeout,
        step_record(settings)};
    command.user = app.manifest.steps_user();
    const StepCommandResult result = run_step_command(command);
    if (!result.succeeded()) {
      return StepResult::failed("hook " + step.name + " " + result.describe(), log_evidence(log));
    }
    return StepResult::ok("hook " + step.name + " done in " + format_duration(result.took));
  }
};

}  // namespace

const DeployStep& hook_step() {
  static const HookStep step;
  return step;
}

}  // namespace bosun::agent::deploy::steps
