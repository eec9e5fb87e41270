// migrate: the schema brought to what the target release needs. A deploy migrates up with
// the target's own scripts, recording where it started (for an undo) and where it ended. A
// rollback goes down with the leaving release's scripts: to the version recorded for the
// chosen release, as the operator asked (down, restore, none; refused across an irreversible
// migration without --force); or, automatically, to where the failed deploy started.
#include "bosun/common/text.hpp"
#include "database/schema_actions.hpp"
#include "deploy/run_places.hpp"
#include "deploy/run_reporter.hpp"
#include "deploy/steps/builtin_steps.hpp"
#include "deploy/steps/database_service.hpp"
#include "deploy/steps/migrate_commands.hpp"
#include "state/release_ledger.hpp"

namespace bosun::agent::deploy::steps {

namespace {

constexpr std::chrono::milliseconds k_default_migrate_timeout{600'000};

database::SchemaUndo chosen_undo(const manifest::Database& database, DbRollback asked) {
  switch (asked) {
    case DbRollback::down:
      return database::SchemaUndo::down;
    case DbRollback::restore:
      return database::SchemaUndo::restore;
    case DbRollback::automatic:
    case DbRollback::none:
      break;
  }
  return database.rollback == manifest::RollbackMode::restore
             ? database::SchemaUndo::restore
             : database::SchemaUndo::down_then_restore;
}

// The schema versions recorded by the releases deployed after `target`.
std::vector<std::string> schema_versions_after(state::ReleaseLedger& ledger,
                                               const std::string& target) {
  std::vector<std::string> versions;
  bool seen = false;
  for (const state::ReleaseRecord& record : ledger.all()) {
    if (seen && record.schema) {
      versions.push_back(*record.schema);
    }
    seen = seen || record.id == target;
  }
  return versions;
}

// The backup that holds the database as `target` left it, losing the fewest writes: the
// newest one taken while the schema was at target's version (a release deployed again after a
// rollback to target takes a newer one than the first release after it did). Without
// versions to compare, the one taken by the first release deployed after target.
std::string backup_after(state::ReleaseLedger& ledger, const std::string& target) {
  bool seen = false;
  std::optional<std::string> target_schema;
  std::string first;
  std::string newest_at_target;
  for (const state::ReleaseRecord& record : ledger.all()) {
    if (record.id == target) {
      seen = true;
      target_schema = record.schema;
      continue;
    }
    if (!seen || record.backup.empty() || !std::filesystem::exists(record.backup)) {
      continue;
    }
    if (first.empty()) {
      first = record.backup;
    }
    if (target_schema && record.schema_from && *record.schema_from == *target_schema) {
      newest_at_target = record.backup;
    }
  }
  return newest_at_target.empty() ? first : newest_at_target;
}

StepResult migrate_forward(RunContext& run, const PlannedStep& step) {
  const release::ReleaseApp& next = *run.state.target;
  const release::AgentSettings& settings = run.services.settings;
  const manifest::Database& database = next.manifest.database;
  const database::CommandSite site = command_site(settings, next, run_log(settings, next.id, "db"));
  const std::string made = database::make_database_folder(database, site);
  if (!made.empty()) {
    run.services.report.note("created " + made + " for the SQLite database");
  }
  if (!database.migrate_up) {
    return StepResult::skipped("no migrate command");
  }
  if (auto down = bring_up_database_service(run)) {
    return *down;
  }
  RunState& state = run.state;
  state::ReleaseLedger& ledger = run.services.ledger;
  state.schema_from = database::schema_version(database, site);
  state.schema_before = database::schema_of(database, site);
  ledger.set_schema(next.id, state.schema_from, std::nullopt);
  state.migrate_started = true;
  const MigrateContext context{site.release_dir,
                               site.env,
                               site.log_path,
                               step.definition.timeout
                                   ? std::chrono::milliseconds(*step.definition.timeout)
                                   : k_default_migrate_timeout,
                               site.variables,
                               site.pid_record,
                               site.user};
  const StepCommandResult result = migrate_up(database, context);
  state.schema_to = schema_version(database, site);
  ledger.set_schema(next.id, state.schema_from, state.schema_to);
  if (!result.succeeded()) {
    state.migrate_failed = true;
    return StepResult::failed("migrate " + result.describe() + " (log: " + site.log_path + ")",
                              log_evidence(site.log_path));
  }
  return StepResult::ok("schema " + database::describe_version(state.schema_from) + " -> " +
                        database::describe_version(state.schema_to));
}

StepResult migrate_back_as_chosen(RunContext& run) {
  const release::ReleaseApp& leaving = run.state.from;
  const release::ReleaseApp& goal = *run.state.target;
  const manifest::Database& database = leaving.manifest.database;
  if (run.intent.db == DbRollback::none) {
    return StepResult::skipped("--db none: the schema is left as it is");
  }
  if (!database.migrate_up || leaving.id.empty()) {
    return StepResult::skipped("no migrations");
  }
  state::ReleaseLedger& ledger = run.services.ledger;
  const auto goal_record = ledger.find(goal.id);
  const database::SchemaVersion goal_schema = goal_record ? goal_record->schema : std::nullopt;
  const release::AgentSettings& settings = run.services.settings;
  const database::CommandSite site =
      command_site(settings, leaving, run_log(settings, leaving.id, "db"));
  const auto now = database::schema_version(database, site);
  if (!goal_schema) {
    return StepResult::skipped(goal.id + " has no recorded schema version; schema left at " +
                               database::describe_version(now));
  }
  if (now && *now == *goal_schema) {
    return StepResult::ok("schema already at " + database::describe_version(now));
  }
  const database::SchemaUndo how = chosen_undo(database, run.intent.db);
  const std::vector<std::string> crossed = database::irreversible_crossed(
      database, goal_schema, now, schema_versions_after(ledger, goal.id));
  const std::string backup = backup_after(ledger, goal.id);
  if (!crossed.empty() && !(how == database::SchemaUndo::restore && run.intent.force)) {
    StepResult refusal = StepResult::failed(
        "refused: migration " + join(crossed, ", ") +
        " is marked irreversible (its down script cannot bring the data back). To go back to " +
        goal.id + " anyway, restore the backup taken before the next deploy (" +
        (backup.empty() ? std::string("none found") : backup) +
        "; data written since is lost): --db restore --force");
    refusal.refused = true;  // nothing was done: a rollback the operator must choose
    return refusal;
  }
  return database::undo_schema(database, goal_schema, how, backup, site);
}

StepResult migrate_back_automatically(RunContext& run) {
  const release::ReleaseApp& leaving = run.state.from;
  const manifest::Database& database = leaving.manifest.database;
  if (!database.migrate_up) {
    return StepResult::skipped("no migrations");
  }
  const auto record = run.services.ledger.find(leaving.id);
  const release::AgentSettings& settings = run.services.settings;
  return database::undo_schema(
      database, run.state.schema_from,
      database::automatic_undo(database, run.state.schema_from,
                               record ? record->schema : std::nullopt),
      run.state.backup,
      deploy::command_site(settings, leaving, run_log(settings, leaving.id, "db")));
}

class MigrateStep final : public DeployStep {
 public:
  bool needs_target() const override { return true; }
  StepResult run(RunContext& run, const PlannedStep& step) const override {
    switch (run.kind) {
      case RunKind::deploy:
        return migrate_forward(run, step);
      case RunKind::rollback:
        return migrate_back_as_chosen(run);
      case RunKind::automatic_rollback:
        return migrate_back_automatically(run);
    }
    return StepResult::failed("unknown kind of run");
  }
};

}  // namespace

const DeployStep& migrate_step() {
  static const MigrateStep step;
  return step;
}

}  // namespace bosun::agent::deploy::steps
