#pragma once
// Internal: depends_on must name existing services and must not form a cycle; the database's
// service (database.service) must be one of them and start on its own.

#include "bosun/manifest/diagnostics.hpp"
#include "bosun/manifest/model.hpp"

namespace bosun::manifest::detail {

void check_dependencies(const std::vector<Service>& services, Diagnostics& diagnostics);
void check_database_service(const Manifest& manifest, Diagnostics& diagnostics);

}  // namespace bosun::manifest::detail
