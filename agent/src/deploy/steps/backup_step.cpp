// backup: the database copied before the target's migrate (backups/RELEASE.EXT), sealed
// (size and sha256 beside it) and recorded with the release so that a rollback can put it back.
#include "database/schema_actions.hpp"
#include "deploy/run_places.hpp"
#include "deploy/steps/builtin_steps.hpp"
#include "deploy/steps/database_service.hpp"
#include "state/release_ledger.hpp"

namespace bosun::agent::deploy::steps {

namespace {

class BackupStep final : public DeployStep {
 public:
  bool needs_target() const override { return true; }
  StepResult run(RunContext& run, const PlannedStep&) const override {
    if (auto skipped = only_in_a_deploy(run)) {
      return *skipped;
    }
    if (auto down = bring_up_database_service(run)) {
      return *down;
    }
    const release::ReleaseApp& next = *run.state.target;
    const release::AgentSettings& settings = run.services.settings;
    const std::string path = backup_path(settings, next.id, next.manifest.database.kind);
    StepResult result = database::take_backup(
        next.manifest.database, path,
        deploy::command_site(settings, next, run_log(settings, next.id, "db")));
    if (result.outcome == StepResult::Outcome::ok) {
      run.state.backup = path;
      run.services.ledger.set_backup(next.id, path);
    }
    return result;
  }
};

}  // namespace

const DeployStep& backup_step() {
  static const BackupStep step;
  return step;
}

}  // namespace bosun::agent::deploy::steps
