#pragma once
// Test support: a StepCatalog whose steps run nothing. Each call is recorded as
// "KIND:ACTION" (deploy:build, rollback:migrate, automatic_rollback:verify); each step returns
// what the test scripted for it (ok by default). The few facts later steps and the engine rely
// on are set as the real steps would: checkout gives the run its target release, migrate
// marks a deploy's migration started, switch marks the run switched.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent_namespaces.hpp"
#include "deploy/steps/deploy_step.hpp"

namespace bosun::test {

class ScriptedSteps final : public agent::StepCatalog {
 public:
  ScriptedSteps();
  ~ScriptedSteps() override;
  const agent::DeployStep& step(agent::StepAction action) const override;

  // What `action` returns in runs of `kind` (every call after this one).
  void script(agent::RunKind kind, agent::StepAction action, agent::StepResult result);
  // What checkout produces as the deploy's target.
  void checkout_gives(agent::Release release, agent::ReleaseApp app);

  std::vector<std::string> calls;

 private:
  class Step;
  friend class Step;
  agent::StepResult answer(agent::RunContext& run, agent::StepAction action);

  std::map<std::pair<agent::RunKind, agent::StepAction>, agent::StepResult> m_results;
  std::optional<agent::Release> m_release;
  std::optional<agent::ReleaseApp> m_app;
  std::map<agent::StepAction, std::unique_ptr<Step>> m_steps;
};

std::string to_string(agent::StepAction action);

}  // namespace bosun::test
