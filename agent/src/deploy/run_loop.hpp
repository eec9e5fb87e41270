#pragma once
// The one loop every run goes through: each planned step journaled and reported before and
// after it runs (an exception is its failure), a restore it made kept for the run's result,
// and the first failure that stops the plan returned.

#include <optional>
#include <string>

#include "deploy/run_plan.hpp"

namespace bosun::agent {

struct StepFailure {
  std::string step;  // its name, for the run's reason
  StepAction action = StepAction::lock;
  StepResult result;
};

std::optional<StepFailure> run_plan(const RunPlan& plan, const StepCatalog& steps, RunContext& run);

}  // namespace bosun::agent
