// checkout: the commit as a new release directory, recorded in the ledger as built, loaded
// with its own manifest, its shared paths linked, and (with a `user:`) the release, the shared
// paths and the dependency cache handed to the account the app's commands run as.
#include <filesystem>

#include "deploy/run_places.hpp"
#include "deploy/run_reporter.hpp"
#include "deploy/steps/builtin_steps.hpp"
#include "release/hand_over.hpp"
#include "state/deploy_journal.hpp"
#include "state/release_ledger.hpp"
#include "sys/step_account.hpp"

namespace bosun::agent::deploy::steps {

namespace {

// What the app's commands write, given to their account (looked up once); "" when they run
// as the agent.
std::string hand_over(const release::AgentSettings& settings, const release::Release& release,
                      const manifest::Manifest& manifest) {
  const auto account = sys::switch_account(manifest.steps_user());
  if (!account) {
    throw std::runtime_error(account.error());
  }
  if (!*account) {
    return "";
  }
  const auto [name, uid, gid] = **account;
  const std::filesystem::path cache = settings.layout.root / "cache";
  std::filesystem::create_directories(cache);
  std::size_t changed = release::hand_over_tree(release.path, uid, gid);
  changed += release::hand_over_tree(cache, uid, gid);
  for (const std::string& path : manifest.shared) {
    changed += release::hand_over_tree(settings.layout.shared() / path, uid, gid);
  }
  return changed == 0 ? "" : "; handed to " + name;
}

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
    std::string handed;
    try {
      handed = hand_over(services.settings, *state.release, state.target->manifest);
    } catch (const std::runtime_error& error) {  // an unknown user, or no root to switch to it
      return StepResult::failed(error.what());
    }
    return StepResult::ok(state.release->id + " at " + state.release->path.string() + handed);
  }
};

}  // namespace

const DeployStep& checkout_step() {
  static const CheckoutStep step;
  return step;
}

}  // namespace bosun::agent::deploy::steps
