#include "expansion_budget.hpp"

#include <string>
#include <utility>
#include <vector>

#include "bosun/manifest/node_reader.hpp"

namespace bosun::manifest::detail {

bool within_expansion_budget(const YAML::Node& root, Diagnostics& diagnostics,
                             const ExpansionBudget& budget) {
  // An explicit stack: a hostile file's depth must not become this walk's recursion.
  std::vector<std::pair<YAML::Node, std::size_t>> pending{{root, 1}};
  std::size_t nodes = 0;
  std::size_t bytes = 0;
  const auto refuse = [&](const YAML::Node& node, const std::string& what) {
    diagnostics.error(location_of(node.Mark()), "",
                      what +
                          " (YAML aliases count each time they are used): refused before "
                          "anything reads it");
    return false;
  };
  while (!pending.empty()) {
    const auto [node, depth] = pending.back();
    pending.pop_back();
    if (++nodes > budget.nodes) {
      return refuse(node, "the manifest expands to more than " + std::to_string(budget.nodes) +
                              " YAML nodes");
    }
    if (depth > budget.depth) {
      return refuse(node,
                    "the manifest nests deeper than " + std::to_string(budget.depth) + " levels");
    }
    if (node.IsScalar()) {
      bytes += node.Scalar().size();
      if (bytes > budget.scalar_bytes) {
        return refuse(node, "the manifest's values expand to more than " +
                                std::to_string(budget.scalar_bytes) + " bytes");
      }
    } else if (node.IsSequence()) {
      for (const YAML::Node& item : node) {
        pending.emplace_back(item, depth + 1);
      }
    } else if (node.IsMap()) {
      for (const auto& entry : node) {
        pending.emplace_back(entry.first, depth + 1);
        pending.emplace_back(entry.second, depth + 1);
      }
    }
  }
  return true;
}

}  // namespace bosun::manifest::detail
