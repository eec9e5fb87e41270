// preflight: the target's `requires`, and what its own files ask for (runtime versions, an
// alembic revision the database is at), checked on this host before anything live changes; a
// blocking gap fails the deploy with what was required, what was found and the action.
#include "bosun/checks/app_requirements.hpp"
#include "bosun/checks/requirements.hpp"
#include "bosun/common/text.hpp"
#include "bosun/manifest/variables.hpp"
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
    const release::ReleaseApp& target = *run.state.target;
    auto rows = checks::check_requirements(target.manifest.requires_, inputs);
    // What the app's own files ask for: its runtime, and a database revision it knows.
    checks::AppRequirementInputs app;
    app.release_dir = target.dir;
    app.database = target.manifest.database;
    app.sqlite_path =
        manifest::expand_variables(app.database.path, target.variables).value_or(app.database.path);
    app.env = target.env;
    app.services = target.manifest.services;
    app.on_host = true;
    app.own_pids = inputs.own_pids;
    app.app = target.manifest.app;
    for (checks::RequirementRow& row : checks::check_app_requirements(app)) {
      rows.push_back(std::move(row));
    }
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
