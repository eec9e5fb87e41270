// undo-early-start: a deploy that failed before its switch puts back the services it started
// ahead of its restart step (the database's): one the live release also has goes back to the
// live definition, untouched while it serves (its data is the live release's too); one it
// lacks is stopped and forgotten, as if the deploy had never run.
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include "deploy/steps/builtin_steps.hpp"
#include "supervise/supervisor.hpp"

namespace bosun::agent::deploy::steps {

namespace {

// Retiring is asynchronous, and a retired service is no longer shown while it stops: the undo
// is done once its process has gone (bounded by the service's own stop timeout, after which
// the supervisor has killed it).
bool wait_until_gone(pid_t pid, const supervise::ServiceSpec& spec) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(spec.stop.timeout) + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::kill(pid, 0) != 0 && errno == ESRCH) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

class UndoEarlyStartStep final : public DeployStep {
 public:
  StepResult run(RunContext& run, const PlannedStep&) const override {
    if (run.state.started_early.empty()) {
      return StepResult::skipped("no service was started early");
    }
    const std::vector<supervise::ServiceSpec>& live = run.state.from.specs;
    const std::vector<supervise::ServiceSpec>& next =
        run.state.target ? run.state.target->specs : live;
    std::string done;
    for (const std::string& name : run.state.started_early) {
      const auto named = [&](const supervise::ServiceSpec& s) { return s.name == name; };
      const auto kept = std::find_if(live.begin(), live.end(), named);
      const auto status = supervise::status_of(run.services.supervisor, name);
      const pid_t pid = status ? status->pid : -1;
      const std::string error =
          supervise::await_reply(kept != live.end() ? run.services.supervisor.update(
                                                          *kept, supervise::UpdateMode::in_place)
                                                    : run.services.supervisor.retire(name));
      if (!error.empty()) {
        return StepResult::failed("putting back " + name + ": " + error);
      }
      std::string what = " back on the live definition";
      if (kept == live.end()) {
        const auto started = std::find_if(next.begin(), next.end(), named);
        what = pid <= 0 || started == next.end() || wait_until_gone(pid, *started)
                   ? " stopped"
                   : " still stopping";
      }
      done += (done.empty() ? "" : "; ") + name + what;
    }
    run.state.started_early.clear();
    return StepResult::ok(done);
  }
};

}  // namespace

const DeployStep& undo_early_start_step() {
  static const UndoEarlyStartStep step;
  return step;
}

}  // namespace bosun::agent::deploy::steps
