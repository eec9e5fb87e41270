// A manual rollback (`bosun rollback [--to R]`): the target found (the last good release, or
// one named by id, prefix, commit, tag or branch), then the rollback playbook's plan through
// the run loop. Also how a new agent finishes a rollback the old one was killed in.
#include <algorithm>

#include "bosun/playbook/shipped.hpp"
#include "deploy/engine_parts.hpp"
#include "deploy/rollback_options.hpp"
#include "deploy/run_loop.hpp"
#include "deploy/run_places.hpp"
#include "deploy/run_reporter.hpp"
#include "state/lock_holder.hpp"

namespace bosun::agent::deploy {

namespace {

std::optional<release::Release> find_target(EngineParts& engine, const std::string& wanted,
                                            const std::string& current) {
  const std::vector<release::Release> releases = engine.store.list();
  if (wanted.empty()) {
    // The last good release, from the list just read (no second scan of the folder).
    const auto good = engine.ledger.last_good(current);
    const auto found = std::find_if(releases.begin(), releases.end(), [&](const auto& release) {
      return good && release.id == good->id;
    });
    return found != releases.end() ? std::optional(*found) : std::nullopt;
  }
  std::vector<release::Release> matches;
  for (const release::Release& release : releases) {
    if (release.id == wanted) {
      return release;
    }
    if (release.id.starts_with(wanted) || release.commit.starts_with(wanted)) {
      matches.push_back(release);
    }
  }
  if (matches.empty()) {
    // A tag or branch name (or any form git knows), through the host's mirror.
    std::string commit;
    try {
      commit = engine.store.resolve(wanted);
    } catch (const std::exception&) {
      return std::nullopt;
    }
    for (const release::Release& release : releases) {
      if (release.commit == commit) {
        matches.push_back(release);
      }
    }
  }
  if (matches.empty()) {
    return std::nullopt;
  }
  return matches.back();  // the newest of several checkouts of one commit
}

std::string no_target(const RollbackRequest& request) {
  return request.to.empty()
             ? "no earlier release was verified good; pick one with --to (see `bosun-agent "
               "releases`)"
             : "no release matches \"" + request.to + "\" (see `bosun-agent releases`)";
}

RunIntent rollback_intent(const RollbackRequest& request, const std::string& goal) {
  RunIntent intent;
  intent.who = request.who;
  intent.lock_purpose = "rollback to " + goal;
  intent.lock_wait = request.lock_wait;
  intent.window = request.window;
  intent.db = request.db;
  intent.force = request.force;
  return intent;
}

}  // namespace

RunOutcome run_rollback(EngineParts& engine, const RollbackRequest& request, const EventSink& sink,
                        std::optional<std::int64_t> resumed_run) {
  RunOutcome outcome;
  outcome.run = resumed_run ? *resumed_run : engine.journal.begin("rollback", request.who, "");
  RunReporter report(engine.journal, sink, outcome.run);
  state::LockHolder lock(engine.settings.layout.state_db().string());
  // Unlocked before the run is recorded as ended (see run_deploy).
  const auto finish = [&](RunResult result, const std::string& reason, int code,
                          std::vector<std::string> evidence = {}) {
    lock.release();
    outcome.result = result;
    outcome.reason = reason;
    outcome.exit_code = code;
    report.finished(result, reason, std::move(evidence), outcome.restored_backup);
    return outcome;
  };
  const std::string options = encode_rollback_options(request);
  report.started("rollback", "rollback by " + request.who + " (" + options + ")");
  const std::optional<release::Release> current = engine.store.current();
  const std::optional<release::Release> target =
      find_target(engine, request.to, current ? current->id : "");
  if (!target) {
    return finish(RunResult::refused, no_target(request), 2);
  }
  RunState state;
  state.from = engine.live;
  state.release = target;
  if (current && target->id == current->id) {
    if (!resumed_run) {
      return finish(RunResult::refused, target->id + " is already the current release", 2);
    }
    // The dead agent had switched already; this agent started on the target.
    state.target = engine.live;
    RunContext run{RunKind::rollback, rollback_intent(request, target->id), state,
                   engine.services(lock, report)};
    if (const auto failure = run_plan(verify_plan(), engine.steps, run)) {
      return finish(RunResult::failed, "verify failed: " + failure->result.detail, 1,
                    failure->result.evidence);
    }
    engine.ledger.mark_verified(engine.live.id);
    return finish(RunResult::succeeded, "live: " + engine.live.id, 0);
  }
  engine.journal.set_commit(outcome.run, target->commit);
  engine.journal.set_release(outcome.run, target->id);
  engine.journal.set_previous(outcome.run, engine.live.id, options);
  try {
    state.target = load_recorded_release(engine.settings, engine.ledger, *target);
  } catch (const std::exception& error) {
    return finish(RunResult::refused, "cannot load " + target->id + ": " + error.what(), 2);
  }
  const release::ReleaseApp& goal = *state.target;
  RunContext run{RunKind::rollback, rollback_intent(request, goal.id), state,
                 engine.services(lock, report)};
  const playbook::Playbook playbook =
      load_playbook("", playbook::shipped_rollback_playbook(), "playbooks/rollback.yaml");
  if (const auto failure = run_plan(plan_from_playbook(playbook), engine.steps, run)) {
    const bool refused = failure->action == steps::StepAction::lock || failure->result.refused;
    if (engine.store.current() && engine.store.current()->id == goal.id) {
      engine.set_live(goal);  // switched: the supervisor runs (part of) the target now
    }
    return finish(refused ? RunResult::refused : RunResult::failed,
                  failure->step + " failed: " + failure->result.detail, refused ? 2 : 1,
                  failure->result.evidence);
  }
  engine.ledger.mark_verified(goal.id);
  if (!state.from.id.empty()) {
    engine.ledger.set_state(state.from.id, state::ReleaseState::failed,
                            "rolled back by " + request.who);
  }
  engine.set_live(goal);
  outcome.reason = "live: " + goal.id + " (" + goal.commit.substr(0, 12) + ")";
  engine.record_restore(outcome, goal.id, state.restored_backup);
  return finish(RunResult::succeeded, outcome.reason, 0);
}

}  // namespace bosun::agent::deploy
