#pragma once
// The images a release built go with it: when a release is pruned or discarded, its
// bosun-APP-SERVICE:RELEASE tags are removed from the engine (never those of the live or last
// good release, which the prune plan keeps). A named image (`image: redis:7`) is not bosun's.

#include <map>
#include <string>
#include <vector>

#include "bosun/manifest/model.hpp"

namespace bosun::agent::container {

// The tags removed (a failure to remove one is left for the next prune: the engine may be
// down, or a container still uses it).
std::vector<std::string> remove_release_images(const manifest::Manifest& manifest,
                                               const std::string& release_id,
                                               const std::map<std::string, std::string>& env);

}  // namespace bosun::agent::container
