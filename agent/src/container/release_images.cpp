#include "container/release_images.hpp"

#include "container/container_names.hpp"
#include "deploy/steps/step_command.hpp"

namespace bosun::agent::container {

std::vector<std::string> remove_release_images(const manifest::Manifest& manifest,
                                               const std::string& release_id,
                                               const std::map<std::string, std::string>& env) {
  std::vector<std::string> removed;
  for (const manifest::Service& service : manifest.services) {
    if (!service.container || !service.container->build) {
      continue;
    }
    const std::string tag = built_image(manifest.app, service.name, release_id);
    const deploy::steps::StepCommandResult result =
        deploy::steps::run_step_command({{service.container->engine, "rmi", tag},
                                         env,
                                         "/",
                                         "/dev/null",
                                         std::chrono::milliseconds(60'000),
                                         ""});
    if (result.succeeded()) {
      removed.push_back(tag);
    }
  }
  return removed;
}

}  // namespace bosun::agent::container
