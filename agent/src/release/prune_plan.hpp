#pragma once
// Which releases and backups the prune step deletes. `keep_releases: N` keeps the current
// release and the N newest releases verified good (the rollback targets, always at least one
// besides the current release); every other release (failed, discarded, older good ones) goes, so a
// run of bad deploys can never push the last good release out. The backup a rollback to a kept
// release would restore (the one taken by the first release deployed after it) is kept even when
// that release goes. Pure: planned from the ledger's records, tested without files.

#include <set>
#include <string>
#include <vector>

namespace bosun::agent::release {

struct PruneCandidate {
  std::string id;
  bool current = false;
  bool good = false;   // verified good and not failed since
  std::string backup;  // the backup taken before its migrate, if any
};

struct PrunePlan {
  std::vector<std::string> releases;  // release ids whose directories go
  std::vector<std::string> backups;   // backup files that go
};

// `releases`: oldest first.
PrunePlan plan_prune(const std::vector<PruneCandidate>& releases, std::size_t keep_good);

// Deploy logs kept besides those of the releases still on the host: the newest failed or
// discarded runs, as evidence.
inline constexpr std::size_t k_other_deploy_logs_kept = 20;

// Which of `log_files` (names in shared/logs/deploys: RELEASE.WHAT.log) go: those of releases
// not in `kept_releases`, except the newest `keep_others` such releases (ids start with their
// UTC time, so they sort by age).
std::vector<std::string> deploy_logs_to_remove(const std::vector<std::string>& log_files,
                                               const std::set<std::string>& kept_releases,
                                               std::size_t keep_others);

}  // namespace bosun::agent::release
