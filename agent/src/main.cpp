// bosun-agent: the on-host daemon and its client. Only wiring lives here.

#include <sys/stat.h>

#include <iostream>
#include <string>
#include <vector>

#include "bosun/agent/agent_cli.hpp"

int main(int argc, char** argv) {
  // What the agent writes for itself (state.db, backups, records, .env) is its own: 0600 files,
  // 0700 folders. What services must read is given its mode explicitly (HostLayout, releases),
  // and every process it starts gets the usual 022 back (child_exec).
  ::umask(077);
  const std::vector<std::string> args(argv + 1, argv + argc);
  return bosun::agent::run_agent_cli(args, std::cout, std::cerr);
}
