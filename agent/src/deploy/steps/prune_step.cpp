// prune: old releases and the backups nobody needs any more deleted, by the plan in
// release/prune_plan.hpp (keep_releases good ones, the rollback target and its backup).
#include <algorithm>
#include <filesystem>
#include "database/backup_seal.hpp"

#include "bosun/common/text.hpp"
#include "deploy/steps/builtin_steps.hpp"
#include "release/prune_plan.hpp"
#include "state/release_ledger.hpp"

namespace bosun::agent::deploy::steps {

namespace {

class PruneStep final : public DeployStep {
 public:
  StepResult run(RunContext& run, const PlannedStep&) const override {
    if (auto skipped = only_in_a_deploy(run)) {
      return *skipped;
    }
    release::Releases& store = run.services.store;
    state::ReleaseLedger& ledger = run.services.ledger;
    const std::vector<release::Release> releases = store.list();
    std::vector<release::PruneCandidate> candidates;
    for (const release::Release& release : releases) {
      const auto record = ledger.find(release.id);
      candidates.push_back({release.id, release.current,
                            record && record->state == state::ReleaseState::good,
                            record ? record->backup : std::string()});
    }
    // The release that was live when the deploy began says how many to keep, as it always has.
    const int keep = run.state.from.manifest.keep_releases;
    const release::PrunePlan plan =
        plan_prune(candidates, static_cast<std::size_t>(std::max(1, keep)));
    for (const std::string& id : plan.releases) {
      const auto release = std::find_if(releases.begin(), releases.end(),
                                        [&](const release::Release& r) { return r.id == id; });
      if (release != releases.end()) {
        store.discard(*release);
      }
      ledger.set_state(id, state::ReleaseState::discarded, "pruned");
    }
    for (const std::string& backup : plan.backups) {
      std::error_code ignored;
      std::filesystem::remove(backup, ignored);
      std::filesystem::remove(database::seal_path(backup), ignored);
    }
    return plan.releases.empty() ? StepResult::ok("nothing to prune")
                                 : StepResult::ok("removed " + join(plan.releases, ", "));
  }
};

}  // namespace

const DeployStep& prune_step() {
  static const PruneStep step;
  return step;
}

}  // namespace bosun::agent::deploy::steps
