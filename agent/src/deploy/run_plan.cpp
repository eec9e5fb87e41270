#include "deploy/run_plan.hpp"

namespace bosun::agent {

namespace {

PlannedStep fixed(std::string name, StepAction action, WhenFailed when_failed) {
  PlannedStep step;
  step.name = std::move(name);
  step.action = action;
  step.when_failed = when_failed;
  return step;
}

}  // namespace

StepAction action_of(playbook::StepKind kind) {
  switch (kind) {
    case playbook::StepKind::lock:
      return StepAction::lock;
    case playbook::StepKind::fetch:
      return StepAction::fetch;
    case playbook::StepKind::checkout:
      return StepAction::checkout;
    case playbook::StepKind::build:
      return StepAction::build;
    case playbook::StepKind::preflight:
      return StepAction::preflight;
    case playbook::StepKind::backup:
      return StepAction::backup;
    case playbook::StepKind::migrate:
      return StepAction::migrate;
    case playbook::StepKind::switch_release:
      return StepAction::switch_release;
    case playbook::StepKind::restart:
      return StepAction::restart;
    case playbook::StepKind::verify:
      return StepAction::verify;
    case playbook::StepKind::prune:
      return StepAction::prune;
    case playbook::StepKind::run:
      return StepAction::hook;
  }
  return StepAction::hook;
}

RunPlan plan_from_playbook(const playbook::Playbook& playbook) {
  RunPlan plan;
  for (const playbook::Step& step : playbook.steps) {
    PlannedStep planned;
    planned.name = step.name;
    planned.action = action_of(step.kind);
    planned.definition = step;
    planned.when_failed = step.on_failure == playbook::OnFailure::continue_on
                              ? WhenFailed::continue_noted
                              : WhenFailed::stop;
    plan.steps.push_back(std::move(planned));
  }
  return plan;
}

RunPlan automatic_rollback_plan(bool with_migrate) {
  RunPlan plan;
  plan.steps.push_back(fixed("rollback-switch", StepAction::switch_release, WhenFailed::stop));
  if (with_migrate) {
    plan.steps.push_back(fixed("rollback-migrate", StepAction::migrate, WhenFailed::stop));
  }
  plan.steps.push_back(fixed("rollback-restart", StepAction::restart, WhenFailed::stop));
  plan.steps.push_back(fixed("rollback-verify", StepAction::verify, WhenFailed::stop));
  return plan;
}

RunPlan undo_plan(const RunState& state) {
  RunPlan plan;
  if (state.migrate_started && state.target) {
    plan.steps.push_back(fixed("undo-migrate", StepAction::undo_migrate, WhenFailed::carry_on));
  }
  if (state.release) {
    plan.steps.push_back(fixed("discard", StepAction::discard, WhenFailed::carry_on));
  }
  return plan;
}

RunPlan verify_plan() {
  RunPlan plan;
  plan.steps.push_back(fixed("verify", StepAction::verify, WhenFailed::stop));
  return plan;
}

}  // namespace bosun::agent
