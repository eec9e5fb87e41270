#pragma once
// The app's git repository on the laptop: a ref resolved to the commit every host deploys
// (so a branch moving during a rolling deploy cannot split the stage), and where the manifest
// sits inside the repository.

#include <string>

#include <tl/expected.hpp>

namespace bosun::controller {

struct RepoFacts {
  std::string commit;            // full sha
  std::string manifest_in_repo;  // e.g. "app.yaml" or "manifests/examples/platform.yaml"
  std::string workdir;
};

// `ref` (branch, tag, sha; default HEAD) in the repository containing `manifest_path`.
tl::expected<RepoFacts, std::string> resolve_in_repo(const std::string& manifest_path,
                                                     const std::string& ref);

}  // namespace bosun::controller
