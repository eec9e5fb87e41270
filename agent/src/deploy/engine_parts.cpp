#include "deploy/engine_parts.hpp"

#include "deploy/run_loop.hpp"
#include "deploy/run_plan.hpp"

namespace bosun::agent::deploy {

EngineParts::EngineParts(release::AgentSettings agent, release::ReleaseApp live_app,
                         supervise::Supervisor& services, const steps::StepCatalog& catalog)
    : settings(std::move(agent)),
      live(std::move(live_app)),
      supervisor(services),
      steps(catalog),
      journal(settings.layout.state_db().string()),
      ledger(settings.layout.state_db().string()),
      store(settings.layout.root, settings.fetch) {}

void EngineParts::set_live(const release::ReleaseApp& app) {
  std::lock_guard guard(live_mutex);
  live = app;
}

RunServices EngineParts::services(state::LockHolder& lock, RunReporter& report) {
  return {settings, store, ledger, journal, supervisor, lock, report};
}

std::optional<release::Release> EngineParts::release_dir(const std::string& id) const {
  for (const release::Release& release : store.list()) {
    if (release.id == id) {
      return release;
    }
  }
  return std::nullopt;
}

void EngineParts::record_restore(RunOutcome& outcome, const std::string& live_release,
                                 const std::string& restored) {
  if (restored.empty()) {
    return;
  }
  outcome.reason += "; " + restored;
  outcome.restored_backup = restored;
  ledger.set_restored(live_release, restored);
}

StepResult EngineParts::roll_back_to(const release::ReleaseApp& previous,
                                     const release::ReleaseApp& leaving,
                                     const database::SchemaVersion& schema_target,
                                     const std::string& backup, const std::string& who,
                                     state::LockHolder& lock, RunReporter& report,
                                     std::string& restored) {
  const std::optional<release::Release> target = release_dir(previous.id);
  if (!target) {
    return StepResult::failed("the previous release " + previous.id + " is gone");
  }
  RunState state;
  state.from = leaving;
  state.release = target;
  state.target = previous;
  state.schema_from = schema_target;
  state.backup = backup;
  RunIntent intent;
  intent.who = who;
  RunContext run{RunKind::automatic_rollback, intent, state, services(lock, report)};
  const auto failure = run_plan(
      automatic_rollback_plan(leaving.manifest.database.migrate_up.has_value()), steps, run);
  restored = state.restored_backup;
  return failure ? failure->result : StepResult::ok("rolled back to " + previous.id);
}

playbook::Playbook load_playbook(const std::string& file, std::string_view shipped,
                                 const std::string& shipped_name) {
  const playbook::LoadResult loaded = file.empty() ? playbook::parse_playbook(shipped, shipped_name)
                                                   : playbook::load_playbook_file(file);
  if (!loaded.ok()) {
    throw std::runtime_error("the playbook is broken:\n" +
                             manifest::format_diagnostics(loaded.diagnostics));
  }
  return *loaded.playbook;
}

}  // namespace bosun::agent::deploy
