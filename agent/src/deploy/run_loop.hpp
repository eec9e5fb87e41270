#pragma once
// The one loop every run goes through: each planned step journaled and reported before and
// after it runs (an exception is its failure), a restore it made kept for the run's result,
// and the first failure that stops the plan returned. A run whose deploy lock someone else
// took stops before its next step, whatever the playbook allows, and says so.

#include <optional>
#include <string>

#include "deploy/run_plan.hpp"

namespace bosun::agent::deploy {

struct StepFailure {
  std::string step;  // its name, for the run's reason
  steps::StepAction action = steps::StepAction::lock;
  StepResult result;
  bool lock_lost = false;  // the lock is someone else's now: nothing more is done, not even undo
};

std::optional<StepFailure> run_plan(const RunPlan& plan, const steps::StepCatalog& steps,
                                    RunContext& run);

}  // namespace bosun::agent::deploy
