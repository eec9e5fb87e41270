// verify: every service ready and running from the target release, the smoke checks passing,
// then stable for the window. A deploy's target is then marked good (verified) in the ledger.
#include "deploy/deploy_actions.hpp"
#include "deploy/run_places.hpp"
#include "deploy/steps/builtin_steps.hpp"
#include "state/release_ledger.hpp"

namespace bosun::agent::deploy::steps {

namespace {

class VerifyStep final : public DeployStep {
 public:
  bool needs_target() const override { return true; }
  StepResult run(RunContext& run, const PlannedStep&) const override {
    const release::ReleaseApp& target = *run.state.target;
    StepResult result =
        verify_services(run.services.supervisor, verify_settings(target, run.intent.window));
    if (!result.failed() && run.kind == RunKind::deploy) {
      run.services.ledger.mark_verified(target.id);
      run.state.verified = true;
    }
    return result;
  }
};

}  // namespace

const DeployStep& verify_step() {
  static const VerifyStep step;
  return step;
}

}  // namespace bosun::agent::deploy::steps
