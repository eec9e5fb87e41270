#pragma once
// The host's releases as the deploy steps and runs use them, behind one interface: fetch into
// the mirror, resolve a ref, check a commit out, link the shared paths, switch `current`,
// discard, list. ReleaseStore (libgit2 and the file system under ROOT) is the real one; the
// unit tests use a recording fake (tests/support/fake_releases.hpp).

#include <optional>
#include <string>
#include <vector>

#include "release/release_types.hpp"

namespace bosun::agent::release {

class Releases {
 public:
  virtual ~Releases() = default;
  virtual void fetch(const std::string& repository, const FetchCredentials& credentials) = 0;
  virtual std::string resolve(const std::string& ref) const = 0;
  virtual Release checkout(const std::string& commit) = 0;
  virtual void link_shared(const Release& release, const std::vector<std::string>& paths) = 0;
  virtual void switch_current(const Release& release) = 0;
  virtual std::optional<Release> current() const = 0;
  virtual std::vector<Release> list() const = 0;  // oldest first
  virtual void discard(const Release& release) = 0;
};

}  // namespace bosun::agent::release
