// A deploy: the deploy playbook's plan through the run loop, then what its end means. Before
// the switch a failure puts the schema back and discards the release (the live one never
// changed); after it, the host rolls back to what was live, automatically.
#include "bosun/playbook/shipped.hpp"
#include "deploy/engine_parts.hpp"
#include "deploy/run_loop.hpp"
#include "deploy/run_reporter.hpp"
#include "state/lock_holder.hpp"

namespace bosun::agent::deploy {

namespace {

RunIntent deploy_intent(const DeployRequest& request) {
  RunIntent intent;
  intent.who = request.who;
  intent.lock_purpose = "deploy " + request.ref;
  intent.lock_wait = request.lock_wait;
  intent.ref = request.ref;
  intent.repo = request.repo;
  intent.manifest = request.manifest;
  return intent;
}

// What a deploy whose step failed ends as, and the evidence to show: locked; failed with the
// schema put back and the release discarded (before the switch); or rolled back to what was
// live (after it), or failed when that is impossible or fails too.
std::vector<std::string> settle_failure(EngineParts& engine, RunContext& run,
                                        const StepFailure& failure, RunOutcome& outcome,
                                        state::LockHolder& lock, RunReporter& report) {
  RunState& state = run.state;
  const release::ReleaseApp& live = state.from;
  outcome.reason = failure.step + " failed: " + failure.result.detail;
  outcome.exit_code = 1;
  if (failure.action == steps::StepAction::lock && !state.switched) {
    outcome.result = RunResult::locked;
    return failure.result.evidence;
  }
  if (failure.lock_lost) {  // no undo, no rollback: the host is the new holder's to drive
    outcome.result = RunResult::failed;
    if (state.switched) {
      engine.set_live(*state.target);  // what the supervisor runs now
      outcome.reason += "; " + state.target->id + " is live";
    } else {
      outcome.reason += live.id.empty() ? "" : "; " + live.id + " is still live";
    }
    return failure.result.evidence;
  }
  if (!state.switched) {
    run_plan(undo_plan(state), engine.steps, run);
    if (state.target) {
      engine.ledger.set_state(state.target->id, state::ReleaseState::failed, outcome.reason);
    }
    outcome.result = RunResult::failed;
    outcome.reason += live.id.empty() ? "" : "; " + live.id + " is still live, untouched";
    engine.record_restore(outcome, live.id, state.restored_backup);
    return failure.result.evidence;
  }
  engine.ledger.set_state(state.target->id, state::ReleaseState::failed, outcome.reason);
  if (live.id.empty()) {
    outcome.result = RunResult::failed;
    outcome.reason += "; no earlier release to roll back to";
    return failure.result.evidence;
  }
  report.note("rolling back to " + live.id + ": " + outcome.reason, failure.result.evidence);
  const StepResult back = engine.roll_back_to(live, *state.target, state.schema_from, state.backup,
                                              run.intent.who, lock, report, state.restored_backup);
  if (back.failed()) {
    engine.set_live(*state.target);  // what the supervisor may partly run now; a person must look
    outcome.result = RunResult::failed;
    outcome.reason += "; the rollback failed too: " + back.detail;
  } else {
    engine.ledger.mark_verified(live.id);
    outcome.result = RunResult::rolled_back;
    outcome.reason += "; rolled back to " + live.id;
  }
  engine.record_restore(outcome, live.id, state.restored_backup);
  std::vector<std::string> evidence = failure.result.evidence;
  evidence.insert(evidence.end(), back.evidence.begin(), back.evidence.end());
  return evidence;
}

}  // namespace

RunOutcome run_deploy(EngineParts& engine, const DeployRequest& request, const EventSink& sink) {
  RunOutcome outcome;
  outcome.run = engine.journal.begin("deploy", request.who, request.ref);
  RunReporter report(engine.journal, sink, outcome.run);
  state::LockHolder lock(engine.settings.layout.state_db().string());
  // The lock goes back before the run is recorded as ended: a crash in between then leaves an
  // interrupted run, which recovery finishes and unlocks, never an ended run whose lock
  // outlives it.
  const auto finish_run = [&](const std::vector<std::string>& evidence) {
    lock.release();
    report.finished(outcome.result, outcome.reason, evidence, outcome.restored_backup);
    return outcome;
  };
  const release::ReleaseApp live = engine.live;
  engine.journal.set_previous(outcome.run, live.id, "ref=" + request.ref);
  report.started("deploy", "deploy of " + request.ref + " by " + request.who +
                               (live.id.empty() ? "" : ", live: " + live.id));
  playbook::Playbook playbook;
  try {
    playbook = load_playbook(request.playbook, playbook::shipped_deploy_playbook(),
                             "playbooks/deploy.yaml");
  } catch (const std::exception& error) {
    outcome.result = RunResult::refused;
    outcome.reason = error.what();
    outcome.exit_code = 2;
    return finish_run({});
  }
  RunState state;
  state.from = live;
  RunContext run{RunKind::deploy, deploy_intent(request), state, engine.services(lock, report)};
  const std::optional<StepFailure> failure =
      run_plan(plan_from_playbook(playbook), engine.steps, run);
  if (!failure) {
    if (state.target) {
      if (!state.verified) {
        engine.ledger.mark_verified(state.target->id);
      }
      engine.set_live(*state.target);
    }
    outcome.result = RunResult::succeeded;
    outcome.reason =
        state.target ? "live: " + state.target->id + " (" + state.target->commit.substr(0, 12) + ")"
                     : "nothing deployed";
    return finish_run({});
  }
  return finish_run(settle_failure(engine, run, *failure, outcome, lock, report));
}

}  // namespace bosun::agent::deploy
