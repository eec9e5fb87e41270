#pragma once
// The deploy's build step: the dependency installs (a Python venv, node_modules), then the
// manifest's build commands in order, in the new release's directory, within the build
// timeout, with their output in one build log per release.

#include <map>
#include <string>
#include <vector>

#include "bosun/manifest/model.hpp"
#include "deploy/steps/step_command.hpp"

namespace bosun::agent::deploy::steps {

struct BuildOutcome {
  bool succeeded = false;
  std::vector<std::string> installed;  // what the dependency installs did
  std::string failed_command;          // as written, when one failed
  StepCommandResult last;              // the result of the last command run
  std::string log_path;
};

// Where a build runs: the new release, the live one (whose node_modules may be reused), the
// shared caches; `env` the commands' environment (the services' base environment), `variables`
// the ${...} values expanded in the commands, `pid_record` as in StepCommand.
struct BuildSite {
  std::string release_dir;
  std::map<std::string, std::string> env;
  std::string log_path;
  std::map<std::string, std::string> variables{};
  std::string pid_record{};
  std::string previous_dir{};
  std::string cache_dir{};
  std::string user{};  // who the installs and commands run as ("": the agent)
};

// The python and node installs (when the manifest asks for them), then the commands.
BuildOutcome run_build(const manifest::Build& build, const BuildSite& site);

}  // namespace bosun::agent::deploy::steps
