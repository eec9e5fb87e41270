#pragma once
// The app's git repository on the laptop: a ref resolved to the commit every host deploys
// (so a branch moving during a rolling deploy cannot split the stage), and where the manifest
// sits inside the repository.

#include <string>
#include <vector>

#include <tl/expected.hpp>

namespace bosun::controller::project {

struct RepoFacts {
  std::string commit;            // full sha
  std::string manifest_in_repo;  // e.g. "app.yaml" or "manifests/examples/platform.yaml"
  std::string workdir;
  // The manifest on disk is not the one in `commit` (uncommitted changes, or not in it at all):
  // the hosts read the committed one.
  bool manifest_differs = false;
};

// `ref` (branch, tag, sha; default HEAD) in the repository containing `manifest_path`.
tl::expected<RepoFacts, std::string> resolve_in_repo(const std::string& manifest_path,
                                                     const std::string& ref);

}  // namespace bosun::controller::project

namespace bosun::controller::project {

struct ChangeSummary {
  std::vector<std::string> commits;     // "1a2b3c4d subject", newest first
  std::vector<std::string> migrations;  // changed paths with "migration" in them
};

// What changed from `from` to `to` in the repository containing `manifest_path`: the commits
// (at most `limit`) and the migration files touched. Errors (unknown commits, no repository)
// come back as the message.
tl::expected<ChangeSummary, std::string> changes_between(const std::string& manifest_path,
                                                         const std::string& from,
                                                         const std::string& to,
                                                         std::size_t limit = 20);

}  // namespace bosun::controller::project
