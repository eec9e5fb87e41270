#pragma once
// `bosun init` (a commented app.yaml and the secrets template) and `bosun setup` (a host made
// ready: agent uploaded, layout created, secrets pushed, agent started, gaps shown).

#include <ostream>
#include <string>
#include <vector>

namespace bosun::controller::setup {

int init_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int setup_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace bosun::controller::setup
