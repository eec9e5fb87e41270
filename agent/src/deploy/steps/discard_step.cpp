// discard: a deploy that failed before its switch removes its release directory (the
// ledger keeps the record and why it failed).
#include "container/release_images.hpp"
#include "deploy/steps/builtin_steps.hpp"

namespace bosun::agent::deploy::steps {

namespace {

class DiscardStep final : public DeployStep {
 public:
  StepResult run(RunContext& run, const PlannedStep&) const override {
    if (!run.state.release) {
      return StepResult::skipped("no release was checked out");
    }
    run.services.store.discard(*run.state.release);
    if (run.state.target) {  // and what its build made of images
      container::remove_release_images(run.state.target->manifest, run.state.release->id,
                                       run.services.settings.base_env);
    }
    return StepResult::ok("removed " + run.state.release->id);
  }
};

}  // namespace

const DeployStep& discard_step() {
  static const DiscardStep step;
  return step;
}

}  // namespace bosun::agent::deploy::steps
