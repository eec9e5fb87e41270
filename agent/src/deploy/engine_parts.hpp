#pragma once
// What the deploy engine's runs share: the agent's settings, what is live, the supervisor,
// the steps, and the host's stores (the run journal, the release ledger, the releases). The
// runs themselves are functions over it, one file each: deploy_run.cpp, rollback_run.cpp,
// recovery_run.cpp.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bosun/playbook/playbook.hpp"
#include "deploy/deploy_engine.hpp"
#include "deploy/run_context.hpp"
#include "deploy/steps/deploy_step.hpp"
#include "release/release_store.hpp"
#include "state/deploy_journal.hpp"
#include "state/release_ledger.hpp"

namespace bosun::agent::state {
class LockHolder;
}  // namespace bosun::agent::state
namespace bosun::agent::supervise {
class Supervisor;
}  // namespace bosun::agent::supervise

namespace bosun::agent::deploy {

class RunReporter;

struct EngineParts {
  EngineParts(release::AgentSettings agent, release::ReleaseApp live_app,
              supervise::Supervisor& services, const steps::StepCatalog& catalog);

  release::AgentSettings settings;
  release::ReleaseApp live;  // written only by the run in progress, under live_mutex
  mutable std::mutex live_mutex;
  supervise::Supervisor& supervisor;
  const steps::StepCatalog& steps;
  state::DeployJournal journal;
  state::ReleaseLedger ledger;
  release::ReleaseStore store;

  void set_live(const release::ReleaseApp& app);
  RunServices services(state::LockHolder& lock, RunReporter& report);
  std::optional<release::Release> release_dir(const std::string& id) const;
  // A backup restore the run ended with: in its reason and result, and kept with the release
  // that is live after it (so `releases` and `bosun status` go on saying it).
  void record_restore(RunOutcome& outcome, const std::string& live_release,
                      const std::string& restored);
  // After a switch: back to `previous` from `leaving`, the schema to `schema_target` (or the
  // backup), restarted and verified. `restored`: what a backup restore cost, if one was made.
  StepResult roll_back_to(const release::ReleaseApp& previous, const release::ReleaseApp& leaving,
                          const database::SchemaVersion& schema_target, const std::string& backup,
                          const std::string& who, state::LockHolder& lock, RunReporter& report,
                          std::string& restored);
};

// The playbook in `file`, or the shipped one; throws with its problems when it is broken.
playbook::Playbook load_playbook(const std::string& file, std::string_view shipped,
                                 const std::string& shipped_name);

RunOutcome run_deploy(EngineParts& engine, const DeployRequest& request, const EventSink& sink);
// `resumed_run`: the interrupted rollback a new agent finishes (recovery).
RunOutcome run_rollback(EngineParts& engine, const RollbackRequest& request, const EventSink& sink,
                        std::optional<std::int64_t> resumed_run);
std::vector<RunOutcome> recover_runs(EngineParts& engine, const EventSink& sink);

}  // namespace bosun::agent::deploy
