#pragma once
// The build's dependency installs, before its commands: a Python virtualenv per release with a
// shared pip cache, and node_modules by npm, reused from the live release (hard links, no
// download) while package-lock.json is unchanged, with a shared npm cache when it changed.

#include <chrono>
#include <map>
#include <string>

#include "bosun/manifest/model.hpp"
#include "deploy/steps/step_command.hpp"

namespace bosun::agent::deploy::steps {

struct InstallSite {
  std::string release_dir;
  std::string previous_dir;  // the live release's directory; "" when there is none
  std::string cache_dir;     // ROOT/cache: pip/ and npm/ in it, shared by the releases
  std::map<std::string, std::string> env;
  std::string log_path;
  std::string pid_record;
  std::chrono::steady_clock::time_point deadline;  // the whole build's
  std::string user{};                              // who the installs run as ("": the agent)
};

struct InstallOutcome {
  bool succeeded = false;
  std::string done;    // what was done, for the step's detail ("node_modules reused from ...")
  std::string failed;  // the command that failed, as written
  StepCommandResult last;
};

// One command of the build, logged as "$ WRITTEN" (and its failure as "bosun: ..."), run as
// the site's user within what is left of the build's deadline.
StepCommandResult run_build_command(const std::vector<std::string>& argv,
                                    const std::string& written,
                                    const std::map<std::string, std::string>& env,
                                    const InstallSite& site);

InstallOutcome install_python(const manifest::PythonBuild& python, const InstallSite& site);
InstallOutcome install_node(const manifest::NodeBuild& node, const InstallSite& site);

// The marker npm's install leaves in node_modules: the sha256 of the package-lock.json it was
// installed from.
inline constexpr const char* k_lockfile_marker = ".bosun-package-lock.sha256";

}  // namespace bosun::agent::deploy::steps
