#pragma once
// The state of a supervised service, as the agent reports it, judged like the seed's
// checklist does: running, not restarting in a loop.

#include <cstdint>
#include <string>
#include <vector>

#include "bosun/checks/check_runner.hpp"

namespace bosun::checks {

struct ServiceObservation {
  std::string name;
  std::string state;  // the agent's: ready, starting, backoff, crash-loop, failed, ...
  int pid = -1;
  std::int64_t recent_restarts = 0;  // within `window`
  std::string window = "10m";
  std::string last_exit;
  std::string log_path;
  std::vector<std::string> last_log_lines;  // evidence for failures
};

// pass: ready without recent restarts; warn: ready but restarted recently, or still starting;
// fail: crash-loop, failed, backoff, unhealthy, stopped or exited with an error.
CheckResult check_service_state(const ServiceObservation& service);

}  // namespace bosun::checks
