#pragma once
// Which releases and backups the prune step deletes. `keep_releases: N` keeps the current
// release and the N newest releases verified good (the rollback targets, always at least one
// besides the current release); every other release (failed, discarded, older good ones) goes, so a
// run of bad deploys can never push the last good release out. The backup a rollback to a kept
// release would restore (the one taken by the first release deployed after it) is kept even when
// that release goes. Pure: planned from the ledger's records, tested without files.

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

}  // namespace bosun::agent::release
