// lock: one deploy or rollback at a time per app on this host (state/lock_holder.hpp). A lock
// left by a dead run is taken over, and the run says so.
#include "deploy/run_reporter.hpp"
#include "deploy/steps/builtin_steps.hpp"
#include "state/lock_holder.hpp"

namespace bosun::agent::deploy::steps {

namespace {

class LockStep final : public DeployStep {
 public:
  StepResult run(RunContext& run, const PlannedStep&) const override {
    std::string note;
    const std::string refused = run.services.lock.acquire(run.intent.who, run.intent.lock_purpose,
                                                          run.intent.lock_wait, note);
    if (!refused.empty()) {
      return StepResult::failed(refused);
    }
    if (!note.empty()) {
      run.services.report.note(note);
    }
    return StepResult::ok("held by " + run.intent.who);
  }
};

}  // namespace

const DeployStep& lock_step() {
  static const LockStep step;
  return step;
}

}  // namespace bosun::agent::deploy::steps
