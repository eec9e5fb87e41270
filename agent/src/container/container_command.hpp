#pragma once
// A container service as a command line the supervisor runs like any other:
//   bosun-agent container-run --engine docker --prefix bosun-shop-api --env-file FILE
//       --env NAME ... -- RUN-OPTIONS... IMAGE [ARGS...]
// container-run (container_run.cpp) writes the app's environment to FILE and execs
// `docker run --rm --name PREFIX-PID ...` in the foreground: the engine's CLI then is the
// service's process, its output the service's log and its exit the container's. Values of the
// environment reach the engine through that file, never the command line.

#include <map>
#include <string>
#include <vector>

#include "bosun/manifest/model.hpp"

namespace bosun::agent::container {

struct ContainerRun {
  std::string agent_program;           // the bosun-agent binary
  std::string prefix;                  // service_prefix()
  std::string image;                   // named, or built_image() of the release
  std::string env_file;                // ROOT/run/SERVICE.container.env
  std::vector<std::string> env_names;  // the app's variables, passed into the container
  std::vector<std::string> volumes;    // expanded
  std::vector<std::string> args;       // the service's command: overrides the image's CMD
  std::string user;                    // inside the container
};

std::vector<std::string> container_argv(const manifest::ContainerSpec& spec,
                                        const ContainerRun& run);

}  // namespace bosun::agent::container
