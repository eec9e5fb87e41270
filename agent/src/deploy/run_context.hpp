#pragma once
// One run (a deploy, a manual rollback, or the automatic rollback of a failed deploy) as its
// steps see it: what was asked (RunIntent), what the run has found and done so far (RunState),
// and the parts of the host the steps act on (RunServices). Built by the engine, handed to
// every step of the plan in turn.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "database/schema_fingerprint.hpp"
#include "database/schema_version.hpp"
#include "deploy/deploy_event.hpp"
#include "release/release_app.hpp"
#include "release/releases.hpp"

namespace bosun::agent::state {
class DeployJournal;
}  // namespace bosun::agent::state
namespace bosun::agent::state {
class LockHolder;
}  // namespace bosun::agent::state
namespace bosun::agent::state {
class ReleaseLedger;
}  // namespace bosun::agent::state
namespace bosun::agent::supervise {
class Supervisor;
}  // namespace bosun::agent::supervise

namespace bosun::agent::deploy {

class RunReporter;

enum class RunKind {
  deploy,              // a new release: fetch, build, migrate up, switch, verify
  rollback,            // back to a chosen release (`bosun rollback`, or one resumed)
  automatic_rollback,  // back to the release a failed deploy (or a dead one) left
};

enum class DbRollback { automatic, down, restore, none };
std::string to_string(DbRollback mode);
DbRollback db_rollback_from(const std::string& text);  // "auto" for anything unknown

struct RunIntent {
  std::string who;           // e.g. "alice@laptop"
  std::string lock_purpose;  // shown to whoever finds the lock held: "deploy main"
  std::chrono::milliseconds lock_wait{0};
  // deploy
  std::string ref;
  std::string repo;  // empty: the live manifest's repo
  std::string manifest = "app.yaml";
  // rollback
  std::optional<std::chrono::milliseconds> window;  // of its verify; none: the manifest's
  DbRollback db = DbRollback::automatic;
  bool force = false;  // with db=restore: across a migration marked irreversible
};

struct RunState {
  release::ReleaseApp from;                   // live when the run began: what it leaves
  std::string commit;                         // the target's commit (deploy: once fetched)
  std::optional<release::Release> release;    // the target's directory (deploy: once checked out)
  std::optional<release::ReleaseApp> target;  // the target as it runs (deploy: once checked out)
  // The schema: a deploy's migrate records where it started and ended; a rollback's migrate
  // brings it back to `schema_from` (automatic) or to the target's recorded version (chosen).
  bool migrate_started = false;
  bool migrate_failed = false;
  database::SchemaVersion schema_from;
  database::SchemaVersion schema_to;
  std::optional<database::SchemaFingerprint> schema_before;  // to prove a failed migrate undone
  std::string backup;                                        // taken before this deploy's migrate
  std::string restored_backup;                               // what a restore cost, once done
  bool switched = false;
  bool verified = false;
  // Services this run started before its restart step (the database's, for the backup and
  // migrate): the restart step keeps them, a failed deploy's undo puts them back.
  std::vector<std::string> started_early;
};

struct RunServices {
  const release::AgentSettings& settings;
  release::Releases& store;
  state::ReleaseLedger& ledger;
  state::DeployJournal& journal;
  supervise::Supervisor& supervisor;
  state::LockHolder& lock;
  RunReporter& report;
};

struct RunContext {
  RunKind kind;
  RunIntent intent;
  RunState& state;
  RunServices services;

  // What the run's commands and hooks run as: the target once known, else what is live.
  const release::ReleaseApp& app() const { return state.target ? *state.target : state.from; }
};

}  // namespace bosun::agent::deploy
