#pragma once
// Test support: the host's releases without git or a mirror. Refs resolve from a table the
// test fills; a checkout writes only what loading a release needs (REVISION and the app.yaml
// the test gives) under ROOT/releases; switching, linking and discarding are recorded as
// lines ("switch ID", "discard ID", "link ID shared/a shared/b", "fetch REPO").

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "release/releases.hpp"

namespace bosun::test {

class FakeReleases final : public agent::release::Releases {
 public:
  FakeReleases(std::filesystem::path root, std::string manifest);

  void fetch(const std::string& repository,
             const agent::release::FetchCredentials& credentials) override;
  std::string resolve(const std::string& ref) const override;
  agent::release::Release checkout(const std::string& commit) override;
  void link_shared(const agent::release::Release& release,
                   const std::vector<std::string>& paths) override;
  void switch_current(const agent::release::Release& release) override;
  std::optional<agent::release::Release> current() const override;
  std::vector<agent::release::Release> list() const override;
  void discard(const agent::release::Release& release) override;

  void add_ref(const std::string& ref, const std::string& commit) { m_refs[ref] = commit; }
  // An existing release (as an earlier deploy left it), `current` or not.
  agent::release::Release add_release(const std::string& commit, bool current = false);

  std::vector<std::string> calls;
  agent::release::FetchCredentials last_credentials;

 private:
  std::filesystem::path m_root;
  std::string m_manifest;
  std::map<std::string, std::string> m_refs;
  std::vector<agent::release::Release> m_releases;
  std::optional<std::string> m_current;
  int m_next = 1;
};

}  // namespace bosun::test
