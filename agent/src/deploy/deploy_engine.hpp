#pragma once
// Deploys and rollbacks on this host, run inside the agent daemon so that a dropped SSH
// session or a Ctrl-C on the laptop changes nothing: the playbook's steps (lock, fetch,
// checkout, build, preflight, backup, migrate, switch, restart, verify, prune and `run:`
// hooks), each journaled in state.db before and after it runs and reported as events; an
// automatic rollback when anything fails after the switch; the manual rollback; and, when
// the agent starts, finishing or undoing whatever a dead agent left half done. Each run is a
// plan (run_plan.hpp) through one loop (run_loop.hpp) over the steps in deploy/steps/.
//
// One run at a time (the caller serializes them); only live_app() is for other threads.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bosun/common/run_protocol.hpp"
#include "deploy/deploy_event.hpp"
#include "deploy/run_context.hpp"
#include "release/release_app.hpp"

namespace bosun::agent::deploy::steps {
class StepCatalog;
}  // namespace bosun::agent::deploy::steps
namespace bosun::agent::supervise {
class Supervisor;
}  // namespace bosun::agent::supervise

namespace bosun::agent::deploy {

struct DeployRequest {
  std::string ref;                    // a branch, tag or commit
  std::string who;                    // e.g. "alice@laptop", passed by the controller
  std::string repo;                   // empty: the manifest's repo
  std::string manifest = "app.yaml";  // inside the release
  std::string playbook;               // a playbook file on the host; empty: the shipped one
  std::chrono::milliseconds lock_wait{0};
};

struct RollbackRequest {
  std::string to;  // release id, a prefix of it, or a commit prefix; empty: the last good one
  DbRollback db = DbRollback::automatic;
  bool force = false;  // with db=restore: across a migration marked irreversible
  std::string who;
  std::chrono::milliseconds window{0};  // stability window of its verify
  std::chrono::milliseconds lock_wait{0};
};

struct RunOutcome {
  std::int64_t run = 0;
  RunResult result = RunResult::failed;
  std::string reason;
  int exit_code = 0;  // 0 succeeded, 1 failed or rolled back, 2 refused (bad request, locked)
  std::string restored_backup{};  // a database restore the run ended with (its cost), if any
};

class DeployEngine {
 public:
  DeployEngine(release::AgentSettings settings, release::ReleaseApp live,
               supervise::Supervisor& supervisor);
  // With other steps than the built-in ones (the unit tests' fakes).
  DeployEngine(release::AgentSettings settings, release::ReleaseApp live,
               supervise::Supervisor& supervisor, const steps::StepCatalog& steps);
  ~DeployEngine();
  DeployEngine(const DeployEngine&) = delete;
  DeployEngine& operator=(const DeployEngine&) = delete;

  RunOutcome deploy(const DeployRequest& request, const EventSink& sink);
  RunOutcome rollback(const RollbackRequest& request, const EventSink& sink);
  // Finishes or undoes the runs a dead agent left unfinished, oldest first.
  std::vector<RunOutcome> recover(const EventSink& sink);
  // What runs now (thread-safe: for the readiness report while a run goes on).
  release::ReleaseApp live_app() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// What runs now: the current release with the manifest it was deployed with, or, before the
// first deploy, `fallback_manifest` run from its own directory, or else nothing (an agent
// waiting for its first deploy). Throws when the manifest does not load.
release::ReleaseApp load_live_app(const release::AgentSettings& settings,
                                  const std::string& fallback_manifest);

}  // namespace bosun::agent::deploy
