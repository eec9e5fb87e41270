#pragma once
// The deploy's build step: the manifest's build commands, in order, in the new release's
// directory, within the build timeout, with their output in one build log per release.

#include <map>
#include <string>

#include "bosun/manifest/model.hpp"
#include "deploy/steps/step_command.hpp"

namespace bosun::agent::deploy::steps {

struct BuildOutcome {
  bool succeeded = false;
  std::string failed_command;  // as written, when one failed
  StepCommandResult last;      // the result of the last command run
  std::string log_path;
};

// `env` is the environment the commands run with (the services' base environment);
// `variables` the ${...} values expanded in the commands; `pid_record` as in StepCommand.
BuildOutcome run_build(const manifest::Build& build, const std::string& release_dir,
                       const std::map<std::string, std::string>& env, const std::string& log_path,
                       const std::map<std::string, std::string>& variables = {},
                       const std::string& pid_record = "");

}  // namespace bosun::agent::deploy::steps
