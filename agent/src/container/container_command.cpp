#include "container/container_command.hpp"

namespace bosun::agent::container {

std::vector<std::string> container_argv(const manifest::ContainerSpec& spec,
                                        const ContainerRun& run) {
  std::vector<std::string> argv{run.agent_program, "container-run", "--engine",   spec.engine,
                                "--prefix",        run.prefix,      "--env-file", run.env_file};
  for (const std::string& name : run.env_names) {
    argv.insert(argv.end(), {"--env", name});
  }
  argv.insert(argv.end(), {"--", "--network", spec.network});
  for (const std::string& port : spec.ports) {
    argv.insert(argv.end(), {"-p", port});
  }
  for (const std::string& volume : run.volumes) {
    argv.insert(argv.end(), {"-v", volume});
  }
  if (!spec.memory.empty()) {
    argv.insert(argv.end(), {"--memory", spec.memory});
  }
  if (!spec.cpus.empty()) {
    argv.insert(argv.end(), {"--cpus", spec.cpus});
  }
  if (spec.init) {
    argv.push_back("--init");
  }
  if (!run.user.empty()) {
    argv.insert(argv.end(), {"--user", run.user});
  }
  argv.push_back(run.image);
  argv.insert(argv.end(), run.args.begin(), run.args.end());
  return argv;
}

}  // namespace bosun::agent::container
