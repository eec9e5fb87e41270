#pragma once
// Where a run's files go on the host and what its commands run with: the per-release logs
// under shared/logs/deploys, the pre-migrate backup under backups/, the record of the step
// command in flight (killed by recovery when the agent died), a release's command site and
// verify settings, and the tail of a log as a failure's evidence.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "database/schema_actions.hpp"
#include "deploy/deploy_actions.hpp"
#include "release/release_app.hpp"
#include "release/release_types.hpp"

namespace bosun::agent::state {
class ReleaseLedger;
}  // namespace bosun::agent::state

namespace bosun::agent::deploy {

std::string step_record(const release::AgentSettings& settings);
// shared/logs/deploys/RELEASE.WHAT.log (the folder is created).
std::string run_log(const release::AgentSettings& settings, const std::string& release,
                    const std::string& what);
// backups/RELEASE.EXT, EXT the engine's (db, dump, sql).
std::string backup_path(const release::AgentSettings& settings, const std::string& release,
                        manifest::DatabaseKind kind);
database::CommandSite command_site(const release::AgentSettings& settings,
                                   const release::ReleaseApp& app, const std::string& log);
// The release's verify section with its variables expanded; `window` overrides its window.
VerifySettings verify_settings(const release::ReleaseApp& app,
                               std::optional<std::chrono::milliseconds> window);
// A release as it runs, with the manifest it was deployed with (app.yaml when unrecorded).
release::ReleaseApp load_recorded_release(const release::AgentSettings& settings,
                                          state::ReleaseLedger& ledger,
                                          const release::Release& release);
// "last lines of PATH:" and the log's last lines, indented.
std::vector<std::string> log_evidence(const std::string& path);

}  // namespace bosun::agent::deploy
