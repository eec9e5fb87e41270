// preflight: the target's `requires` checked on this host before anything live changes; a
// blocking gap fails the deploy with what was required, what was found and the action.
#include "bosun/checks/requirements.hpp"
#include "bosun/common/text.hpp"
#include "deploy/steps/builtin_steps.hpp"
#include "supervise/supervisor.hpp"

namespace bosun::agent::deploy::steps {

namespace {

class PreflightStep final : public DeployStep {
 public:
  bool needs_target() const override { return true; }
  StepResult run(RunContext& run, const PlannedStep&) const override {
    if (auto skipped = only_in_a_deploy(run)) {
      return *skipped;
    }
    checks::RequirementInputs inputs;
    inputs.env = run.state.target->env;
    inputs.disk_path = run.services.settings.layout.root.string();
    for (const supervise::ServiceStatus& status : run.services.supervisor.snapshot()) {
      if (status.pid > 0) {
        inputs.own_pids.push_back(status.pid);  // a port the app holds itself is no gap
      }
    }
    const auto rows = checks::check_requirements(run.state.target->manifest.requires_, inputs);
    std::vector<std::string> gaps;
    std::vector<std::string> evidence;
    int warnings = 0;
    for (const checks::RequirementRow& row : rows) {
      if (row.result.passed()) {
        continue;
      }
      if (!row.blocking) {
        ++warnings;
        continue;
      }
      gaps.push_back(row.requirement + " (" + row.result.evidence + ")");
      evidence.push_back(row.requirement + ": required " + row.required + ", found " +
                         row.result.evidence +
                         (row.result.action.empty() ? "" : "; action: " + row.result.action));
    }
    if (!gaps.empty()) {
      return StepResult::failed("blocking gap: " + join(gaps, "; "), evidence);
    }
    return StepResult::ok(std::to_string(rows.size()) + " requirement(s) met" +
                          (warnings > 0 ? ", " + std::to_string(warnings) + " warning(s)" : ""));
  }
};

}  // namespace

const DeployStep& preflight_step() {
  static const PreflightStep step;
  return step;
}

}  // namespace bosun::agent::deploy::steps
