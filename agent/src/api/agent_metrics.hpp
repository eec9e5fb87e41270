#pragma once
// The agent's Prometheus metrics, rendered from a status snapshot.

#include <string>
#include <vector>

#include "supervise/supervisor.hpp"

namespace bosun::agent::api {

std::string render_metrics(const std::vector<supervise::ServiceStatus>& services);

}  // namespace bosun::agent::api
