#include "deploy/deploy_engine.hpp"

#include <filesystem>

#include "deploy/engine_parts.hpp"
#include "deploy/run_places.hpp"
#include "deploy/steps/deploy_step.hpp"

namespace bosun::agent::deploy {

struct DeployEngine::Impl : EngineParts {
  using EngineParts::EngineParts;
};

DeployEngine::DeployEngine(release::AgentSettings settings, release::ReleaseApp live,
                           supervise::Supervisor& supervisor)
    : DeployEngine(std::move(settings), std::move(live), supervisor, steps::builtin_steps()) {}

DeployEngine::DeployEngine(release::AgentSettings settings, release::ReleaseApp live,
                           supervise::Supervisor& supervisor, const steps::StepCatalog& steps)
    : m_impl(std::make_unique<Impl>(std::move(settings), std::move(live), supervisor, steps)) {}

DeployEngine::~DeployEngine() = default;

RunOutcome DeployEngine::deploy(const DeployRequest& request, const EventSink& sink) {
  return run_deploy(*m_impl, request, sink);
}

RunOutcome DeployEngine::rollback(const RollbackRequest& request, const EventSink& sink) {
  return run_rollback(*m_impl, request, sink, std::nullopt);
}

std::vector<RunOutcome> DeployEngine::recover(const EventSink& sink) {
  return recover_runs(*m_impl, sink);
}

release::ReleaseApp DeployEngine::live_app() const {
  std::lock_guard guard(m_impl->live_mutex);
  return m_impl->live;
}

release::ReleaseApp load_live_app(const release::AgentSettings& settings,
                                  const std::string& fallback_manifest) {
  release::ReleaseStore store(settings.layout.root);
  if (const std::optional<release::Release> current = store.current()) {
    state::ReleaseLedger ledger(settings.layout.state_db().string());
    return load_recorded_release(settings, ledger, *current);
  }
  if (fallback_manifest.empty()) {
    return {};  // nothing to run until the first deploy
  }
  const std::filesystem::path file = std::filesystem::absolute(fallback_manifest);
  return release::load_release_app(settings, file.parent_path().string(), file.string());
}

}  // namespace bosun::agent::deploy
