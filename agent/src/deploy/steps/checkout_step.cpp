// checkout: the commit as a new release directory, recorded in the ledger as built, loaded
// with its own manifest, and its shared paths linked.
#include "deploy/run_places.hpp"
#include "deploy/run_reporter.hpp"
#include "deploy/steps/builtin_steps.hpp"
#include "state/deploy_journal.hpp"
#include "state/release_ledger.hpp"

namespace bosun::agent::deploy::steps {

namespace {

class CheckoutStep final : public DeployStep {
 public:
  StepResult run(RunContext& run, const PlannedStep&) const override {
    if (auto skipped = only_in_a_deploy(run)) {
      return *skipped;
    }
    RunState& state = run.state;
    if (state.commit.empty()) {
      return StepResult::failed("checkout needs fetch before it in the playbook");
    }
    RunServices& services = run.services;
    state.release = services.store.checkout(state.commit);
    services.journal.set_release(services.report.run(), state.release->id);
    state::ReleaseRecord record;
    record.id = state.release->id;
    record.commit = state.commit;
    record.manifest = run.intent.manifest;
    record.state = state::ReleaseState::built;
    services.ledger.add(record);
    // Loaded once: its environment comes from ROOT/shared/.env, not from the links.
    state.target =
        deploy::load_recorded_release(services.settings, services.ledger, *state.release);
    try {
      services.store.link_shared(*state.release, state.target->manifest.shared);
    } catch (const std::runtime_error& error) {  // a path through a symlink, say: the repo's
      return StepResult::failed(error.what());
    }
    return StepResult::ok(state.release->id + " at " + state.release->path.string());
  }
};

}  // namespace

const DeployStep& checkout_step() {
  static const CheckoutStep step;
  return step;
}

}  // namespace bosun::agent::deploy::steps
