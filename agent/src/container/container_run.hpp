#pragma once
// `bosun-agent container-run`: the first moments of a container service's process (see
// container_command.hpp). It removes what a dead instance of the service left (a container
// whose CLI is gone), writes the environment file of its own (FILE.PID), and execs the engine's
// `run` in the foreground under the name PREFIX-PID, so that its pid stays the one the agent
// recorded.

#include <ostream>
#include <string>
#include <vector>

namespace bosun::agent::container {

int container_run_command(const std::vector<std::string>& args, std::ostream& out,
                          std::ostream& err);

}  // namespace bosun::agent::container
