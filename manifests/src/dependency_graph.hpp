#pragma once
// Internal: depends_on must name existing services and must not form a cycle.

#include "bosun/manifest/diagnostics.hpp"
#include "bosun/manifest/model.hpp"

namespace bosun::manifest::detail {

void check_dependencies(const std::vector<Service>& services, Diagnostics& diagnostics);

}  // namespace bosun::manifest::detail
