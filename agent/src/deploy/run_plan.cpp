#include "deploy/run_plan.hpp"

namespace bosun::agent::deploy {

namespace {

steps::PlannedStep fixed(std::string name, steps::StepAction action,
                         steps::WhenFailed when_failed) {
  steps::PlannedStep step;
  step.name = std::move(name);
  step.action = action;
  step.when_failed = when_failed;
  return step;
}

}  // namespace

steps::StepAction action_of(playbook::StepKind kind) {
  switch (kind) {
    case playbook::StepKind::lock:
      return steps::StepAction::lock;
    case playbook::StepKind::fetch:
      return steps::StepAction::fetch;
    case playbook::StepKind::checkout:
      return steps::StepAction::checkout;
    case playbook::StepKind::build:
      return steps::StepAction::build;
    case playbook::StepKind::preflight:
      return steps::StepAction::preflight;
    case playbook::StepKind::backup:
      return steps::StepAction::backup;
    case playbook::StepKind::migrate:
      return steps::StepAction::migrate;
    case playbook::StepKind::switch_release:
      return steps::StepAction::switch_release;
    case playbook::StepKind::restart:
      return steps::StepAction::restart;
    case playbook::StepKind::verify:
      return steps::StepAction::verify;
    case playbook::StepKind::prune:
      return steps::StepAction::prune;
    case playbook::StepKind::run:
      return steps::StepAction::hook;
  }
  return steps::StepAction::hook;
}

RunPlan plan_from_playbook(const playbook::Playbook& playbook) {
  RunPlan plan;
  for (const playbook::Step& step : playbook.steps) {
    steps::PlannedStep planned;
    planned.name = step.name;
    planned.action = action_of(step.kind);
    planned.definition = step;
    planned.when_failed = step.on_failure == playbook::OnFailure::continue_on
                              ? steps::WhenFailed::continue_noted
                              : steps::WhenFailed::stop;
    plan.steps.push_back(std::move(planned));
  }
  return plan;
}

RunPlan automatic_rollback_plan(bool with_migrate) {
  RunPlan plan;
  plan.steps.push_back(
      fixed("rollback-switch", steps::StepAction::switch_release, steps::WhenFailed::stop));
  if (with_migrate) {
    plan.steps.push_back(
        fixed("rollback-migrate", steps::StepAction::migrate, steps::WhenFailed::stop));
  }
  plan.steps.push_back(
      fixed("rollback-restart", steps::StepAction::restart, steps::WhenFailed::stop));
  plan.steps.push_back(
      fixed("rollback-verify", steps::StepAction::verify, steps::WhenFailed::stop));
  return plan;
}

RunPlan undo_plan(const RunState& state) {
  RunPlan plan;
  if (state.migrate_started && state.target) {
    plan.steps.push_back(
        fixed("undo-migrate", steps::StepAction::undo_migrate, steps::WhenFailed::carry_on));
  }
  if (!state.started_early.empty()) {
    plan.steps.push_back(fixed("undo-early-start", steps::StepAction::undo_early_start,
                               steps::WhenFailed::carry_on));
  }
  if (state.release) {
    plan.steps.push_back(fixed("discard", steps::StepAction::discard, steps::WhenFailed::carry_on));
  }
  return plan;
}

RunPlan verify_plan() {
  RunPlan plan;
  plan.steps.push_back(fixed("verify", steps::StepAction::verify, steps::WhenFailed::stop));
  return plan;
}

}  // namespace bosun::agent::deploy
