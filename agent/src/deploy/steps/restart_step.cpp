// restart: the services moved from the release being left to the target: those that belong
// to a release replaced (restart or overlap, as each service says), removed ones retired, the
// rest updated in place (release/service_changes.hpp decides; deploy_actions.cpp acts).
#include "deploy/deploy_actions.hpp"
#include "deploy/steps/builtin_steps.hpp"

namespace bosun::agent::deploy::steps {

namespace {

class RestartStep final : public DeployStep {
 public:
  bool needs_target() const override { return true; }
  StepResult run(RunContext& run, const PlannedStep&) const override {
    const release::ReleaseApp& from = run.state.from;
    const release::ReleaseApp& to = *run.state.target;
    const release::RestartPlan plan =
        release::plan_restarts({&from.specs, from.dir, from.commit}, {&to.specs, to.dir, to.commit},
                               run.state.started_early);
    return restart_services(run.services.supervisor, plan, to.specs);
  }
};

}  // namespace

const DeployStep& restart_step() {
  static const RestartStep step;
  return step;
}

}  // namespace bosun::agent::deploy::steps
