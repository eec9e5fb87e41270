#include "fake_releases.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace bosun::test {

using agent::release::Release;

FakeReleases::FakeReleases(std::filesystem::path root, std::string manifest)
    : m_root(std::move(root)), m_manifest(std::move(manifest)) {}

void FakeReleases::fetch(const std::string& repository,
                         const agent::release::FetchCredentials& credentials) {
  calls.push_back("fetch " + repository);
  last_credentials = credentials;
}

std::string FakeReleases::resolve(const std::string& ref) const {
  const auto it = m_refs.find(ref);
  if (it == m_refs.end()) {
    throw std::runtime_error("no such ref " + ref);
  }
  return it->second;
}

Release FakeReleases::checkout(const std::string& commit) {
  calls.push_back("checkout " + commit);
  return add_release(commit);
}

Release FakeReleases::add_release(const std::string& commit, bool current) {
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "20261201T%06dZ", m_next++);
  Release release{std::string(stamp) + "-" + commit.substr(0, 8), commit, {}, false};
  release.path = m_root / "releases" / release.id;
  std::filesystem::create_directories(release.path);
  std::ofstream(release.path / "REVISION") << commit << "\n";
  std::ofstream(release.path / "app.yaml") << m_manifest;
  m_releases.push_back(release);
  if (current) {
    m_current = release.id;
  }
  return release;
}

void FakeReleases::link_shared(const Release& release, const std::vector<std::string>& paths) {
  std::string line = "link " + release.id;
  for (const std::string& path : paths) {
    line += " " + path;
  }
  calls.push_back(line);
}

void FakeReleases::switch_current(const Release& release) {
  calls.push_back("switch " + release.id);
  m_current = release.id;
}

std::optional<Release> FakeReleases::current() const {
  for (const Release& release : m_releases) {
    if (m_current && release.id == *m_current) {
      Release found = release;
      found.current = true;
      return found;
    }
  }
  return std::nullopt;
}

std::vector<Release> FakeReleases::list() const {
  std::vector<Release> releases = m_releases;
  for (Release& release : releases) {
    release.current = m_current && release.id == *m_current;
  }
  return releases;
}

void FakeReleases::discard(const Release& release) {
  if (m_current && release.id == *m_current) {
    throw std::logic_error("discard of the current release " + release.id);
  }
  calls.push_back("discard " + release.id);
  std::erase_if(m_releases, [&](const Release& r) { return r.id == release.id; });
}

}  // namespace bosun::test
