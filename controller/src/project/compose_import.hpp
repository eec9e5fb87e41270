#pragma once
// `bosun init --from docker-compose.yml`: a Compose project as an app.yaml whose services run
// as containers. Mapped: build contexts (resolved as Compose does, relative to the compose
// file, then written relative to the project), images, commands, environment and env files,
// bind and named volumes (under ${shared}), depends_on (bosun waits for readiness, which is
// Compose's service_healthy), healthchecks as readiness checks, user, init and resource
// limits. Ports are not published: bosun runs containers with host networking, so a service
// listens on the host's port itself. What cannot be mapped is listed with its line.

#include <filesystem>
#include <string>
#include <vector>

#include <tl/expected.hpp>

namespace bosun::controller::project {

struct ComposeImport {
  std::string manifest;               // app.yaml's text
  std::vector<std::string> unmapped;  // "docker-compose.yml:14: services.web.networks: ..."
  std::vector<std::string> notes;     // mapped, with a change worth knowing about
  std::vector<std::string> shared;    // the shared: paths the volumes and env files need
  // Variables whose names look secret (POSTGRES_PASSWORD): listed under secrets: by name, their
  // values for .bosun/secrets, never in app.yaml.
  std::vector<std::pair<std::string, std::string>> secrets;
};

// An error naming the file (and line) when it cannot be read as a Compose file.
tl::expected<ComposeImport, std::string> import_compose(const std::filesystem::path& compose_file,
                                                        const std::filesystem::path& project_dir,
                                                        const std::string& app,
                                                        const std::string& repo);

}  // namespace bosun::controller::project
