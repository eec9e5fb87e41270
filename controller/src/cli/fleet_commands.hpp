#pragma once
// `bosun deploy` and `bosun rollback`: a stage at a time, through the hosts' agents.

#include <ostream>
#include <string>
#include <vector>

namespace bosun::controller::cli {

int deploy_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int rollback_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace bosun::controller::cli
