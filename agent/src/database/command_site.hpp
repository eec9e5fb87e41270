#pragma once
// Where a database command runs: the release's directory, the app's environment and ${...}
// values, the log its output goes to, and the record of the command in flight.

#include <map>
#include <string>

namespace bosun::agent::database {

// Where a release's commands run and with what.
struct CommandSite {
  std::string release_dir;
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> variables;
  std::string log_path;
  std::string pid_record;
  std::string user{};  // who the app's commands run as (Manifest::steps_user)
};

}  // namespace bosun::agent::database
