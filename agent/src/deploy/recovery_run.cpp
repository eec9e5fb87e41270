// Crash recovery, when the agent starts: every run a dead agent left without an end is
// finished or undone, oldest first. A deploy that had not switched is undone (schema back,
// release discarded); one that had switched but not verified rolls back to what was live
// before; a rollback is run again to its recorded target.
#include "deploy/engine_parts.hpp"
#include "deploy/rollback_options.hpp"
#include "deploy/run_loop.hpp"
#include "deploy/run_places.hpp"
#include "deploy/run_reporter.hpp"
#include "deploy/steps/step_command.hpp"
#include "state/deploy_lock.hpp"
#include "state/lock_holder.hpp"

namespace bosun::agent::deploy {

namespace {

RunOutcome ended(RunReporter& report, RunOutcome outcome, std::vector<std::string> evidence = {}) {
  report.finished(outcome.result, outcome.reason, std::move(evidence), outcome.restored_backup);
  return outcome;
}

// Not switched: the live release never changed. Put the schema back, discard the release.
RunOutcome undo_unswitched_deploy(EngineParts& engine, const state::RunRecord& run,
                                  RunReporter& report, const std::string& interrupted) {
  state::LockHolder lock(engine.settings.layout.state_db().string());
  RunState state;
  state.from = engine.live;
  state.release = run.release.empty() ? std::nullopt : engine.release_dir(run.release);
  const auto record = run.release.empty() ? std::nullopt : engine.ledger.find(run.release);
  if (state.release && record && record->schema_from) {
    try {
      state.target = load_recorded_release(engine.settings, engine.ledger, *state.release);
      state.migrate_started = true;
      state.schema_from = record->schema_from;
      state.schema_to = record->schema;
      state.backup = record->backup;
    } catch (const std::exception& error) {
      report.note(std::string("cannot undo the migration: ") + error.what());
    }
  }
  RunContext context{RunKind::deploy, RunIntent{}, state, engine.services(lock, report)};
  run_plan(undo_plan(state), engine.steps, context);
  if (state.release) {
    engine.ledger.set_state(state.release->id, state::ReleaseState::failed, interrupted);
  }
  return ended(report, {run.id, RunResult::failed,
                        interrupted + " before the switch; the new release was discarded", 1});
}

RunOutcome recover_deploy(EngineParts& engine, const state::RunRecord& run, RunReporter& report,
                          const std::string& last_step) {
  const std::string interrupted = "the agent died during " + last_step;
  const std::optional<release::Release> current = engine.store.current();
  const bool switched = current && current->id == run.release && !run.release.empty();
  if (!switched) {
    return undo_unswitched_deploy(engine, run, report, interrupted);
  }
  const auto record = engine.ledger.find(run.release);
  if (record && record->state == state::ReleaseState::good) {
    return ended(report,
                 {run.id, RunResult::succeeded,
                  interrupted + " after verify; " + run.release + " is live and verified", 0});
  }
  const std::optional<release::Release> previous = engine.release_dir(run.previous);
  if (run.previous.empty() || !previous) {
    return ended(report, {run.id, RunResult::failed,
                          interrupted + " after the switch, and there is no earlier release", 1});
  }
  engine.ledger.set_state(run.release, state::ReleaseState::failed, interrupted + " before verify");
  RunOutcome outcome{run.id, RunResult::failed, "", 1};
  try {
    const release::ReleaseApp leaving = engine.live;  // the agent started on the switched release
    const release::ReleaseApp back =
        load_recorded_release(engine.settings, engine.ledger, *previous);
    report.note("rolling back to " + back.id + ": " + interrupted + " before verify");
    state::LockHolder lock(engine.settings.layout.state_db().string());
    std::string restored;
    const StepResult result =
        engine.roll_back_to(back, leaving, record ? record->schema_from : std::nullopt,
                            record ? record->backup : "", run.who, lock, report, restored);
    if (result.failed()) {
      outcome.reason = interrupted + "; the rollback failed: " + result.detail;
      report.finished(outcome.result, outcome.reason, result.evidence);
      return outcome;
    }
    engine.set_live(back);
    engine.ledger.mark_verified(back.id);
    outcome.result = RunResult::rolled_back;
    outcome.reason = interrupted + " before verify; rolled back to " + back.id;
    engine.record_restore(outcome, back.id, restored);
  } catch (const std::exception& error) {
    outcome.reason = interrupted + "; the rollback failed: " + error.what();
  }
  return ended(report, outcome);
}

RunOutcome recover_rollback(EngineParts& engine, const state::RunRecord& run,
                            const EventSink& sink) {
  RollbackRequest request = decode_rollback_options(run.options);
  request.to = run.release;
  request.who = run.who;
  if (run.release.empty()) {
    RunReporter report(engine.journal, sink, run.id);
    report.finished(RunResult::failed, "the agent died before the rollback picked its target", {});
    return {run.id, RunResult::failed, "interrupted before it began", 1};
  }
  return run_rollback(engine, request, sink, run.id);
}

}  // namespace

std::vector<RunOutcome> recover_runs(EngineParts& engine, const EventSink& sink) {
  std::vector<RunOutcome> outcomes;
  const int killed = steps::kill_leftover_step(step_record(engine.settings));
  for (const state::RunRecord& run : engine.journal.interrupted()) {
    RunReporter report(engine.journal, sink, run.id);
    const std::string last_step = run.steps.empty() ? "start" : run.steps.back().name;
    report.note("the agent restarted during " + run.kind + " #" + std::to_string(run.id) +
                " (step " + last_step + ")" +
                (killed > 0 ? "; killed its leftover command, pid " + std::to_string(killed) : ""));
    // The dead run's lock first: no other run starts while recovery runs, a resumed rollback
    // takes its own, and a crash during recovery cannot leave it behind.
    state::DeployLock(engine.settings.layout.state_db().string()).release(run.who, false);
    RunOutcome outcome = run.kind == "rollback" ? recover_rollback(engine, run, sink)
                                                : recover_deploy(engine, run, report, last_step);
    outcome.run = run.id;
    outcomes.push_back(outcome);
  }
  return outcomes;
}

}  // namespace bosun::agent::deploy
