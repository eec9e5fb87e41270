#pragma once
// `bosun init` (a commented app.yaml and the secrets template) and `bosun setup` (a host made
// ready: agent uploaded, layout created, secrets pushed, agent started, gaps shown); `bosun
// gap` (the requirements on the laptop and every host, side by side) is in gap_command.cpp.

#include <ostream>
#include <string>
#include <vector>

namespace bosun::controller {

int init_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int setup_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int gap_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace bosun::controller
