#include "deploy/steps/builtin_steps.hpp"

namespace bosun::agent::deploy::steps {

namespace {

class BuiltinSteps final : public StepCatalog {
 public:
  const DeployStep& step(StepAction action) const override {
    switch (action) {
      case StepAction::lock:
        return lock_step();
      case StepAction::fetch:
        return fetch_step();
      case StepAction::checkout:
        return checkout_step();
      case StepAction::build:
        return build_step();
      case StepAction::preflight:
        return preflight_step();
      case StepAction::backup:
        return backup_step();
      case StepAction::migrate:
        return migrate_step();
      case StepAction::switch_release:
        return switch_step();
      case StepAction::restart:
        return restart_step();
      case StepAction::verify:
        return verify_step();
      case StepAction::prune:
        return prune_step();
      case StepAction::hook:
        return hook_step();
      case StepAction::undo_migrate:
        return undo_migrate_step();
      case StepAction::discard:
        return discard_step();
      case StepAction::undo_early_start:
        return undo_early_start_step();
    }
    return hook_step();  // unreachable: every action is listed
  }
};

}  // namespace

const StepCatalog& builtin_steps() {
  static const BuiltinSteps steps;
  return steps;
}

std::optional<StepResult> only_in_a_deploy(const RunContext& run) {
  if (run.kind == RunKind::deploy) {
    return std::nullopt;
  }
  return StepResult::skipped("not part of a rollback");
}

}  // namespace bosun::agent::deploy::steps
