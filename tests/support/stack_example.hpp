#pragma once
// Test support: one of examples/ as a user's repository. v1 is the example as it is; the
// overlays in tests/stacks/<example>/vN are laid over it for the next releases. Ports the
// example writes (8000, 3000) are replaced by free ones, so that tests can run side by side,
// and app.yaml's `repo:` by this repository (nothing is fetched from elsewhere).

#include <map>
#include <string>

#include "git_repo.hpp"

namespace bosun::test {

class StackExample {
 public:
  // `example`: the folder name under examples/; `repo_dir`: where its repository is made.
  StackExample(const std::string& example, const std::string& repo_dir);

  // Commits the example (version "v1") or it with the overlay `version` laid over the last
  // commit; returns the sha.
  std::string commit(const std::string& version);
  GitRepo& repo() { return m_repo; }
  // The free port that replaces `written` (e.g. 8000) everywhere in the example's files.
  unsigned short port(unsigned short written) const { return m_ports.at(written); }

 private:
  void copy_tree(const std::string& from);

  std::string m_example;
  GitRepo m_repo;
  std::map<unsigned short, unsigned short> m_ports;
};

// The source tree's examples/ and tests/stacks/ folders.
std::string examples_dir();
std::string stack_overlays_dir();

}  // namespace bosun::test
