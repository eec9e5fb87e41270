// prune: old releases and the backups nobody needs any more deleted, by the plan in
// release/prune_plan.hpp (keep_releases good ones, the rollback target and its backup).
#include <algorithm>
#include <filesystem>
#include <set>

#include "database/backup_seal.hpp"

#include "bosun/common/text.hpp"
#include "container/release_images.hpp"
#include "deploy/steps/builtin_steps.hpp"
#include "release/prune_plan.hpp"
#include "state/release_ledger.hpp"

namespace bosun::agent::deploy::steps {

namespace {

// The deploy logs of the releases still here, and of the newest others.
void prune_deploy_logs(const std::filesystem::path& dir, const std::set<std::string>& kept) {
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    files.push_back(entry.path().filename().string());
  }
  for (const std::string& file :
       release::deploy_logs_to_remove(files, kept, release::k_other_deploy_logs_kept)) {
    std::filesystem::remove(dir / file, error);
  }
}

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
      // Its images, as the deploy's own manifest names them.
      container::remove_release_images(run.app().manifest, id, run.services.settings.base_env);
    }
    std::set<std::string> removed_backups(plan.backups.begin(), plan.backups.end());
    std::set<std::string> kept_backups;
    std::set<std::string> kept_releases;
    for (const release::PruneCandidate& candidate : candidates) {
      if (std::find(plan.releases.begin(), plan.releases.end(), candidate.id) ==
          plan.releases.end()) {
        kept_releases.insert(candidate.id);
      }
      if (!removed_backups.contains(candidate.backup)) {
        kept_backups.insert(candidate.backup);  // the plan keeps it: a rollback may need it
      }
    }
    // Backups of releases gone without being pruned here (discarded before the switch, after a
    // failed build or migrate): no rollback goes back to them.
    for (const state::ReleaseRecord& record : ledger.all()) {
      if (!kept_releases.contains(record.id) && !record.backup.empty() &&
          !kept_backups.contains(record.backup)) {
        removed_backups.insert(record.backup);
      }
    }
    for (const std::string& backup : removed_backups) {
      std::error_code ignored;
      std::filesystem::remove(backup, ignored);
      std::filesystem::remove(database::seal_path(backup), ignored);
    }
    prune_deploy_logs(run.services.settings.layout.logs() / "deploys", kept_releases);
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
