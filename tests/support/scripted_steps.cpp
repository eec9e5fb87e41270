#include "scripted_steps.hpp"
#include "agent_namespaces.hpp"

namespace bosun::test {

using agent::RunKind;
using agent::StepAction;

class ScriptedSteps::Step final : public agent::DeployStep {
 public:
  Step(ScriptedSteps& owner, StepAction action) : m_owner(owner), m_action(action) {}
  agent::StepResult run(agent::RunContext& run, const agent::PlannedStep&) const override {
    return m_owner.answer(run, m_action);
  }

 private:
  ScriptedSteps& m_owner;
  StepAction m_action;
};

namespace {

constexpr StepAction k_actions[] = {
    StepAction::lock,         StepAction::fetch,          StepAction::checkout,
    StepAction::build,        StepAction::preflight,      StepAction::backup,
    StepAction::migrate,      StepAction::switch_release, StepAction::restart,
    StepAction::verify,       StepAction::prune,          StepAction::hook,
    StepAction::undo_migrate, StepAction::discard,        StepAction::undo_early_start};

std::string kind_name(RunKind kind) {
  switch (kind) {
    case RunKind::deploy:
      return "deploy";
    case RunKind::rollback:
      return "rollback";
    case RunKind::automatic_rollback:
      return "automatic_rollback";
  }
  return "?";
}

}  // namespace

std::string to_string(StepAction action) {
  switch (action) {
    case StepAction::lock:
      return "lock";
    case StepAction::fetch:
      return "fetch";
    case StepAction::checkout:
      return "checkout";
    case StepAction::build:
      return "build";
    case StepAction::preflight:
      return "preflight";
    case StepAction::backup:
      return "backup";
    case StepAction::migrate:
      return "migrate";
    case StepAction::switch_release:
      return "switch";
    case StepAction::restart:
      return "restart";
    case StepAction::verify:
      return "verify";
    case StepAction::prune:
      return "prune";
    case StepAction::hook:
      return "hook";
    case StepAction::undo_migrate:
      return "undo-migrate";
    case StepAction::discard:
      return "discard";
    case StepAction::undo_early_start:
      return "undo-early-start";
  }
  return "?";
}

ScriptedSteps::ScriptedSteps() {
  for (StepAction action : k_actions) {
    m_steps[action] = std::make_unique<Step>(*this, action);
  }
}

ScriptedSteps::~ScriptedSteps() = default;

const agent::DeployStep& ScriptedSteps::step(StepAction action) const {
  return *m_steps.at(action);
}

void ScriptedSteps::script(RunKind kind, StepAction action, agent::StepResult result) {
  m_results[{kind, action}] = std::move(result);
}

void ScriptedSteps::checkout_gives(agent::Release release, agent::ReleaseApp app) {
  m_release = std::move(release);
  m_app = std::move(app);
}

agent::StepResult ScriptedSteps::answer(agent::RunContext& run, StepAction action) {
  calls.push_back(kind_name(run.kind) + ":" + to_string(action));
  if (run.kind == RunKind::deploy && action == StepAction::checkout && m_release) {
    run.state.release = m_release;
    run.state.target = m_app;
  }
  if (run.kind == RunKind::deploy && action == StepAction::migrate) {
    run.state.migrate_started = true;
  }
  const auto scripted = m_results.find({run.kind, action});
  agent::StepResult result =
      scripted != m_results.end() ? scripted->second : agent::StepResult::ok("scripted");
  if (action == StepAction::switch_release && !result.failed()) {
    run.state.switched = true;
  }
  return result;
}

}  // namespace bosun::test
