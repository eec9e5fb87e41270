#pragma once
// The host's releases (DESIGN.md "Host layout"): a bare mirror of the app's repository at
// ROOT/repo.git fetched with libgit2, one checkout per release under
// ROOT/releases/<UTCstamp>-<shortsha>/ with a REVISION file, and ROOT/current switched
// atomically (a new symlink renamed over the old one).

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "release/fetch_process.hpp"
#include "release/releases.hpp"

namespace bosun::agent::release {

class ReleaseStore final : public Releases {
 public:
  explicit ReleaseStore(std::filesystem::path root, FetchLimits fetch = {});
  ~ReleaseStore();
  ReleaseStore(const ReleaseStore&) = delete;
  ReleaseStore& operator=(const ReleaseStore&) = delete;

  // Creates or updates the bare mirror from `repository` (a path, file://, ssh or https
  // URL), in a child process stopped when the transfer stalls (release/fetch_process.hpp).
  // Throws std::runtime_error with libgit2's message, or the stall, on failure.
  void fetch(const std::string& repository, const FetchCredentials& credentials = {}) override;
  // A branch, tag or commit (abbreviated or full) -> the full commit sha, from the mirror.
  std::string resolve(const std::string& ref) const override;
  // Checks `commit` out into a new release directory with a REVISION file; returns it.
  Release checkout(const std::string& commit) override;
  // Makes each of `paths` in the release a link to ROOT/shared/<path> (created as a
  // directory when missing, or as an empty file when the name has a dot, like .env),
  // replacing whatever the checkout had there.
  void link_shared(const Release& release, const std::vector<std::string>& paths) override;
  // Points ROOT/current at `release` atomically.
  void switch_current(const Release& release) override;
  std::optional<Release> current() const override;
  // Oldest first.
  std::vector<Release> list() const override;
  // Deletes the oldest releases beyond `keep`, never the current one or those in `protect`.
  std::vector<std::string> prune(std::size_t keep, const std::vector<std::string>& protect);
  // Deletes one release directory that is not current (a failed build, for instance).
  void discard(const Release& release) override;

  std::filesystem::path mirror_path() const { return m_root / "repo.git"; }
  // Removes lock files a killed agent left in the mirror (fetch and checkout call it).
  void clear_stale_locks() const;
  std::filesystem::path releases_path() const { return m_root / "releases"; }

 private:
  std::filesystem::path m_root;
  FetchLimits m_fetch;
};

}  // namespace bosun::agent::release
