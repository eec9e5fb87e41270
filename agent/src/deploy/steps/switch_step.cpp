// switch: ROOT/current points at the target release (one atomic rename). A deploy's target
// becomes "live" in the ledger; from here on a failure rolls back instead of discarding.
#include "deploy/steps/builtin_steps.hpp"
#include "state/release_ledger.hpp"

namespace bosun::agent::deploy::steps {

namespace {

class SwitchStep final : public DeployStep {
 public:
  bool needs_target() const override { return true; }
  StepResult run(RunContext& run, const PlannedStep&) const override {
    if (!run.state.release) {
      return StepResult::failed("switch needs the target's release directory");
    }
    run.services.store.switch_current(*run.state.release);
    if (run.kind == RunKind::deploy) {
      run.services.ledger.set_state(run.state.release->id, state::ReleaseState::live, "");
    }
    run.state.switched = true;
    return StepResult::ok("current -> " + run.state.release->id);
  }
};

}  // namespace

const DeployStep& switch_step() {
  static const SwitchStep step;
  return step;
}

}  // namespace bosun::agent::deploy::steps
