#pragma once
// A budget for what a manifest's YAML expands to: an alias is a second use of its anchor's
// whole subtree, so 25 KB of nested aliases expanded to 25 million strings (809 MB) when read.
// The tree is walked once, aliases counted where they are used, and refused past the budget
// before anything reads it. The agent loads each release's manifest inside the daemon: one bad
// commit must not get it OOM-killed.

#include <cstddef>

#include <yaml-cpp/yaml.h>

#include "bosun/manifest/diagnostics.hpp"

namespace bosun::manifest::detail {

struct ExpansionBudget {
  std::size_t nodes = 100'000;         // a real manifest has a few hundred
  std::size_t scalar_bytes = 4 << 20;  // the text of every scalar, as often as it is used
  std::size_t depth = 64;
};

// False, with an error at the node where the budget ran out, when `root` expands beyond it.
bool within_expansion_budget(const YAML::Node& root, Diagnostics& diagnostics,
                             const ExpansionBudget& budget = {});

}  // namespace bosun::manifest::detail
