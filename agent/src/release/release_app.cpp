#include "release/release_app.hpp"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "bosun/common/input_error.hpp"
#include "bosun/manifest/diagnostics.hpp"
#include "bosun/manifest/loader.hpp"

namespace bosun::agent::release {

ReleaseApp load_release_app(const AgentSettings& settings, const std::string& dir,
                            const std::string& manifest_path) {
  const std::filesystem::path file = std::filesystem::path(manifest_path).is_absolute()
                                         ? std::filesystem::path(manifest_path)
                                         : std::filesystem::path(dir) / manifest_path;
  if (!std::filesystem::exists(file)) {
    throw InputError("no manifest at " + file.string());
  }
  const manifest::LoadResult loaded = manifest::load_manifest_file(file.string());
  if (!loaded.ok()) {
    throw InputError("the manifest is broken:\n" +
                     manifest::format_diagnostics(loaded.diagnostics));
  }
  ReleaseApp app;
  app.dir = dir;
  app.manifest_path = manifest_path;
  app.manifest = *loaded.manifest;
  supervise::ResolveInputs inputs;
  inputs.layout = settings.layout;
  inputs.release_dir = dir;
  inputs.host = settings.host;
  inputs.stage = settings.stage;
  inputs.base_env = settings.base_env;
  inputs.dotenv = read_dotenv_file(settings.layout.env_file().string());
  app.specs = supervise::resolve_services(app.manifest, inputs);
  app.env = supervise::resolve_app_env(app.manifest, inputs);
  app.variables = supervise::host_variables(app.manifest, inputs);
  return app;
}

std::map<std::string, std::string> agent_base_env() {
  std::map<std::string, std::string> env;
  // DOCKER_HOST and CONTAINER_HOST: which engine a container service's CLI talks to.
  for (const char* name : {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "USER", "LOGNAME", "DOCKER_HOST",
                           "CONTAINER_HOST"}) {
    if (const char* value = std::getenv(name)) {
      env[name] = value;
    }
  }
  return env;
}

}  // namespace bosun::agent::release
