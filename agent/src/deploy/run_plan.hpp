#pragma once
// Plans as data: the steps a run goes through, in order, each with its action and what its
// failure means. A deploy and a rollback follow their playbooks; the automatic rollback of a
// failed deploy, the clean-up of one that failed before its switch, and the end of a rollback
// a dead agent had switched already are fixed plans. The one loop that runs any of them is in
// run_loop.hpp.

#include <vector>

#include "bosun/playbook/playbook.hpp"
#include "deploy/run_context.hpp"
#include "deploy/steps/deploy_step.hpp"

namespace bosun::agent::deploy {

struct RunPlan {
  std::vector<steps::PlannedStep> steps;
};

steps::StepAction action_of(playbook::StepKind kind);
RunPlan plan_from_playbook(const playbook::Playbook& playbook);
// After the switch: back to the release that was live (rollback-switch, rollback-migrate when
// the leaving release has migrations, rollback-restart, rollback-verify).
RunPlan automatic_rollback_plan(bool with_migrate);
// Before the switch: the schema put back when a migrate started, the release discarded.
RunPlan undo_plan(const RunState& state);
RunPlan verify_plan();

}  // namespace bosun::agent::deploy
