#pragma once
// One step of a run behind one interface. A plan (deploy/run_plan.hpp) names the steps, the
// loop (deploy/run_loop.hpp) runs them in order, and the catalog says which code does each
// action: the built-in one (one file per step in this folder) or, in the unit tests, a fake.
// A new step kind is a file here, a line in builtin_steps.hpp and one in step_catalog.cpp.

#include <optional>
#include <string>

#include "bosun/playbook/playbook.hpp"
#include "deploy/run_context.hpp"
#include "deploy/step_result.hpp"

namespace bosun::agent::deploy::steps {

enum class StepAction {
  lock,
  fetch,
  checkout,
  build,
  preflight,
  backup,
  migrate,
  switch_release,
  restart,
  verify,
  prune,
  hook,              // a playbook `run:` step
  undo_migrate,      // a failed deploy's schema put back before the switch
  discard,           // a failed deploy's release directory removed
  undo_early_start,  // a failed deploy's early-started services (the database's) put back
};

// What a failed step means for the rest of the plan.
enum class WhenFailed {
  stop,            // the run fails here
  continue_noted,  // the playbook said on_failure: continue; a note says so
  carry_on,        // clean-up steps: each runs whatever the one before did
};

struct PlannedStep {
  std::string name;  // as reported: "build", "rollback-verify", a hook's name
  StepAction action = StepAction::lock;
  playbook::Step definition{};  // the playbook's entry: timeout, a hook's command and env
  WhenFailed when_failed = WhenFailed::stop;
};

class DeployStep {
 public:
  virtual ~DeployStep() = default;
  // A step that acts on the target release fails in a plan that has not checked one out.
  virtual bool needs_target() const { return false; }
  virtual StepResult run(RunContext& run, const PlannedStep& step) const = 0;
};

class StepCatalog {
 public:
  virtual ~StepCatalog() = default;
  virtual const DeployStep& step(StepAction action) const = 0;
};

// The steps as the agent runs them.
const StepCatalog& builtin_steps();

// For the steps that only a deploy has (fetch, build, ...): their result in a rollback.
std::optional<StepResult> only_in_a_deploy(const RunContext& run);

}  // namespace bosun::agent::deploy::steps
