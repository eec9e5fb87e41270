#include "release/prune_plan.hpp"

#include <algorithm>
#include <functional>
#include <set>

namespace bosun::agent::release {

PrunePlan plan_prune(const std::vector<PruneCandidate>& releases, std::size_t keep_good) {
  std::set<std::string> kept;
  std::size_t good_kept = 0;
  for (auto release = releases.rbegin(); release != releases.rend(); ++release) {
    if (release->current) {
      kept.insert(release->id);
    }
    if (release->good && good_kept < std::max<std::size_t>(1, keep_good)) {
      kept.insert(release->id);
      ++good_kept;
    }
  }
  // Always a rollback target besides the current release: the newest good one.
  const bool target_kept = std::any_of(releases.begin(), releases.end(), [&](const auto& r) {
    return r.good && !r.current && kept.count(r.id) != 0;
  });
  if (!target_kept) {
    const auto target = std::find_if(releases.rbegin(), releases.rend(),
                                     [](const auto& r) { return r.good && !r.current; });
    if (target != releases.rend()) {
      kept.insert(target->id);
    }
  }
  // Backups that a rollback (--db restore) to a kept release needs.
  std::set<std::string> needed_backups;
  for (std::size_t i = 0; i < releases.size(); ++i) {
    if (kept.count(releases[i].id) == 0) {
      continue;
    }
    const auto next = std::find_if(releases.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                   releases.end(), [](const auto& r) { return !r.backup.empty(); });
    if (next != releases.end()) {
      needed_backups.insert(next->backup);
    }
  }
  PrunePlan plan;
  for (const PruneCandidate& release : releases) {
    if (kept.count(release.id) != 0) {
      continue;
    }
    plan.releases.push_back(release.id);
    if (!release.backup.empty() && needed_backups.count(release.backup) == 0) {
      plan.backups.push_back(release.backup);
    }
  }
  return plan;
}

std::vector<std::string> deploy_logs_to_remove(const std::vector<std::string>& log_files,
                                               const std::set<std::string>& kept_releases,
                                               std::size_t keep_others) {
  std::set<std::string, std::greater<>> others;  // newest first
  for (const std::string& file : log_files) {
    const std::string release = file.substr(0, file.find('.'));
    if (!kept_releases.contains(release)) {
      others.insert(release);
    }
  }
  std::set<std::string> spared;
  for (const std::string& release : others) {
    if (spared.size() == keep_others) {
      break;
    }
    spared.insert(release);
  }
  std::vector<std::string> removed;
  for (const std::string& file : log_files) {
    const std::string release = file.substr(0, file.find('.'));
    if (!kept_releases.contains(release) && !spared.contains(release)) {
      removed.push_back(file);
    }
  }
  return removed;
}

}  // namespace bosun::agent::release
