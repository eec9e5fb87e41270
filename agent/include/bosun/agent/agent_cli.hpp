#pragma once
// The `bosun-agent` command line: the on-host daemon and its own client.

#include <iosfwd>
#include <string>
#include <vector>

namespace bosun::agent {

// args excludes the program name. Returns the process exit code.
int run_agent_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace bosun::agent
