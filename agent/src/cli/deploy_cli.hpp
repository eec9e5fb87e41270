#pragma once
// The client side of deploys and rollbacks: `bosun-agent deploy` and `bosun-agent rollback`
// ask the daemon to run one and follow its events until it ends (the daemon goes on if the
// client goes away: a dropped SSH session changes nothing on the host).

#include <ostream>
#include <string>
#include <vector>

namespace bosun::agent::cli {

int deploy_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int rollback_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace bosun::agent::cli
