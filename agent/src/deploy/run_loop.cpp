#include "deploy/run_loop.hpp"

#include "deploy/run_reporter.hpp"
#include "state/lock_holder.hpp"

namespace bosun::agent::deploy {

std::optional<StepFailure> run_plan(const RunPlan& plan, const steps::StepCatalog& steps,
                                    RunContext& run) {
  for (const steps::PlannedStep& planned : plan.steps) {
    const steps::DeployStep& step = steps.step(planned.action);
    if (const std::string lost = run.services.lock.lost(); !lost.empty()) {
      StepResult stopped = run.services.report.step(planned.name, [&] {
        return StepResult::failed("not run: " + lost +
                                  "; this run stops here and leaves the host "
                                  "to the lock's new holder");
      });
      return StepFailure{planned.name, planned.action, std::move(stopped), true};
    }
    StepResult result = run.services.report.step(planned.name, [&] {
      if (step.needs_target() && !run.state.target) {
        return StepResult::failed(planned.name +
                                  " needs a checked out release: the playbook must run fetch "
                                  "and checkout before it");
      }
      return step.run(run, planned);
    });
    if (!result.restored_backup.empty()) {
      run.state.restored_backup = result.restored_backup;
    }
    if (!result.failed()) {
      continue;
    }
    switch (planned.when_failed) {
      case steps::WhenFailed::continue_noted:
        run.services.report.note(planned.name + " failed; continuing as the playbook allows");
        continue;
      case steps::WhenFailed::carry_on:
        continue;
      case steps::WhenFailed::stop:
        return StepFailure{planned.name, planned.action, std::move(result)};
    }
  }
  return std::nullopt;
}

}  // namespace bosun::agent::deploy
