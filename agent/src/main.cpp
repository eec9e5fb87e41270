// bosun-agent: the on-host daemon and its client. Only wiring lives here.

#include <iostream>
#include <string>
#include <vector>

#include "bosun/agent/agent_cli.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return bosun::agent::run_agent_cli(args, std::cout, std::cerr);
}
