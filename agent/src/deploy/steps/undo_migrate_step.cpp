// undo-migrate: a deploy that failed before its switch puts the schema back to where its
// migrate started. A failed migrate.up is undone and proven undone (the version and, where
// bosun can read it, the schema itself), else the backup is restored; a migrate that
// succeeded goes down as the manifest says (the backup across an irreversible migration).
#include "database/schema_actions.hpp"
#include "deploy/run_places.hpp"
#include "deploy/steps/builtin_steps.hpp"

namespace bosun::agent::deploy::steps {

namespace {

class UndoMigrateStep final : public DeployStep {
 public:
  bool needs_target() const override { return true; }
  StepResult run(RunContext& run, const PlannedStep&) const override {
    const RunState& state = run.state;
    const release::ReleaseApp& next = *state.target;
    const manifest::Database& database = next.manifest.database;
    const release::AgentSettings& settings = run.services.settings;
    const database::CommandSite site =
        command_site(settings, next, run_log(settings, next.id, "db"));
    if (state.migrate_failed) {
      return database::undo_failed_migrate(database, state.schema_from, state.schema_before,
                                           state.backup, site);
    }
    return database::undo_schema(
        database, state.schema_from,
        database::automatic_undo(database, state.schema_from, state.schema_to), state.backup, site);
  }
};

}  // namespace

const DeployStep& undo_migrate_step() {
  static const UndoMigrateStep step;
  return step;
}

}  // namespace bosun::agent::deploy::steps
